"""Read mention lines (JSON Lines): one mention per line, bad lines reported and skipped.

The line format is a public contract shared by `bot draft`, `bot ingest` and the webhook:
`{"id", "text", "author"?, "followers"?, "created_at"?, "url"?, "network"?, "thread_id"?}`;
unknown keys are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from bot.domain import Mention
from bot.networks.rules import normalise_handle, safe_handle


class MentionIn(BaseModel):
    """One incoming mention as other tools send it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=10_000)
    network: str | None = Field(None, max_length=40)  # before author: the handle rule needs it
    author: str | None = Field(None, max_length=200)
    followers: int | None = Field(None, ge=0)
    created_at: datetime | None = None
    url: str | None = Field(None, max_length=2_000)
    # an opaque key shared by every post of one conversation (the first may carry it too)
    thread_id: str | None = Field(None, min_length=1, max_length=200)

    @field_validator("id", "thread_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # Networks use numeric ids that overflow JSON numbers in some tools; accept both.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("author")
    @classmethod
    def _valid_handle(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Accept the handle as its network writes it ("@name", "u/name", "@user@instance");
        refuse anything that could be markup, so `<!channel>` never becomes "@<!channel>"."""
        if not value:
            return None
        default = (info.context or {}).get("network", "jsonl")
        network = str(info.data.get("network") or default).lower()
        handle = normalise_handle(network, value)
        if not handle or not safe_handle(handle):
            if (info.context or {}).get("drop_bad_authors"):
                return None  # scoring a labelled set: the text matters, not who wrote it
            raise ValueError(
                "is not a valid handle: letters, digits and . _ - @ only, at most 100, "
                "without spaces or markup"
            )
        return handle

    def to_mention(self, default_network: str = "jsonl") -> Mention:
        return Mention(
            id=self.id,
            text=self.text,
            network=(self.network or default_network).lower(),
            author=self.author,
            followers=self.followers,
            created_at=self.created_at,
            url=self.url,
            thread_id=self.thread_id,
        )


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Line:
    line: int
    mention: Mention
    raw: dict[str, Any]


def describe(exc: ValidationError) -> str:
    """Return a one-line account of what is wrong, naming each bad field."""
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(line)"
        parts.append(f"{field}: {err['msg']}")
    return "; ".join(parts)


def parse_mention(
    data: Any, default_network: str = "jsonl", drop_bad_authors: bool = False
) -> Mention:
    """Validate one decoded JSON value as a mention (raises ValidationError).

    `drop_bad_authors` keeps a line whose author is not a valid handle, without the author:
    for scoring labelled sets (real exports carry mangled handles), never for storing.
    """
    context = {"network": default_network, "drop_bad_authors": drop_bad_authors}
    return MentionIn.model_validate(data, context=context).to_mention(default_network)


def read_lines(
    lines: Iterable[str], default_network: str = "jsonl", drop_bad_authors: bool = False
) -> Iterator[Line | LineError]:
    """Yield a Line per valid line and a LineError per malformed one, numbered from 1."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield LineError(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(data, dict):
            yield LineError(number, "expected a JSON object")
            continue
        try:
            mention = parse_mention(data, default_network, drop_bad_authors)
        except ValidationError as exc:
            yield LineError(number, describe(exc))
            continue
        yield Line(number, mention, data)
