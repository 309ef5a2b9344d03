"""Strict prompt templates: files under `prompts/`, `{name}` placeholders, no surprises.

Rendering raises if a variable the file uses is not given, or if a variable is given that the
file does not use, so a renamed placeholder can never silently send an empty prompt.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path


class PromptError(ValueError):
    """A prompt file is missing, malformed, or was rendered with the wrong variables."""


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    fields: frozenset[str]

    def render(self, **values: object) -> str:
        missing = self.fields - set(values)
        unknown = set(values) - self.fields
        if missing or unknown:
            raise PromptError(
                f"prompt {self.name}: "
                + "; ".join(
                    part
                    for part in (
                        f"missing {', '.join(sorted(missing))}" if missing else "",
                        f"unknown {', '.join(sorted(unknown))}" if unknown else "",
                    )
                    if part
                )
            )
        return self.text.format(**values)


def load_template(directory: Path, name: str) -> Template:
    """Load `directory/name` and list its placeholders (`{{`/`}}` are literal braces)."""
    path = directory / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"prompt file not found: {path}") from None
    try:
        fields = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as exc:
        raise PromptError(f"{path}: {exc}") from None
    bad = {f for f in fields if not f.isidentifier()}
    if bad:
        raise PromptError(f"{path}: placeholders must be plain names, got {sorted(bad)}")
    return Template(name=name, text=text, fields=frozenset(fields))
