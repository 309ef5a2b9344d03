"""Checks every draft must pass before a human sees it, whichever drafter wrote it."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.domain import Mention, Source
from bot.networks.rules import RULES
from bot.text import EMAIL, URL, numbers, personal_data

MAX_CHARS = 280


@dataclass(frozen=True)
class GuardRules:
    """Extra checks from data: phrases no reply may contain unless a source says them, and the
    system prompt a reply must not leak."""

    never: tuple[re.Pattern[str], ...] = ()
    system_prompt: str = ""

    @classmethod
    def load(cls, path: Path, system_prompt: str = "") -> GuardRules:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        patterns = tuple(
            re.compile(p, re.IGNORECASE) for p in data.get("never", {}).get("patterns", [])
        )
        return cls(patterns, system_prompt)


def violations(
    text: str, mention: Mention, sources: Sequence[Source], rules: GuardRules | None = None
) -> list[str]:
    """Return what is wrong with a draft (empty when it is fit to show an approver)."""
    problems: list[str] = []
    if len(text) > MAX_CHARS:
        problems.append(f"longer than {MAX_CHARS} characters ({len(text)})")
    grounded = numbers(mention.text).union(*(_source_numbers(s.text) for s in sources))
    invented = sorted(n for n in numbers(without_addressee(text, mention)) if n not in grounded)
    if invented:
        problems.append("numbers not in the sources or the mention: " + ", ".join(invented))
    source_text = " ".join(s.text for s in sources).casefold()
    for link in URL.findall(text) + EMAIL.findall(text):
        if link.casefold().rstrip(".,!?)") not in source_text:
            problems.append(f"link or address not in the sources: {link}")
    for item in personal_data(mention.text):
        if item.casefold() in source_text:
            continue  # the brand's own published address, quoted back: not the writer's data
        if item in text or item.replace(" ", "") in text.replace(" ", ""):
            problems.append("repeats personal data from the mention")
            break
    if rules is not None:
        for pattern in rules.never:
            found = pattern.search(text)
            if found and not pattern.search(source_text):
                problems.append(f"says something the sources do not allow: {found.group(0)!r}")
        if rules.system_prompt and _shares_run(text, rules.system_prompt):
            problems.append("repeats the system prompt")
    return problems


def stated_facts(text: str, mention: Mention) -> list[str]:
    """Return the figures, links and addresses `text` states that the mention did not say."""
    # What a holding reply may not contain: it says the team is checking, so any figure or link
    # in it is a claim from somewhere, and the drafter said it took none from the passages.
    said = mention.text.casefold()
    given = numbers(mention.text)
    found = sorted(n for n in numbers(without_addressee(text, mention)) if n not in given)
    links = URL.findall(text) + EMAIL.findall(text)
    found += [x for x in links if x.casefold().rstrip(".,!?)") not in said]
    return found


def _shares_run(text: str, secret: str, run: int = 8) -> bool:
    """Return True if `text` contains `run` consecutive words of `secret`."""
    words = re.findall(r"\w+", text.casefold())
    secret_text = " ".join(re.findall(r"\w+", secret.casefold()))
    return any(
        " ".join(words[i : i + run]) in secret_text for i in range(0, max(0, len(words) - run + 1))
    )


@lru_cache(maxsize=20_000)
def _source_numbers(text: str) -> frozenset[str]:
    return frozenset(numbers(text))


def without_addressee(text: str, mention: Mention) -> str:
    """Drop the handles a reply is addressed to: "@user2024" or Reddit's "u/user_88" is an
    address, not a claim."""
    own = RULES.handle(mention.network, mention.author)
    if own:
        text = text.replace(own, " ")
    return " ".join(w for w in text.split() if not w.startswith("@"))
