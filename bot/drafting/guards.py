"""Checks every draft must pass before a human sees it, whichever drafter wrote it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from bot.domain import Mention, Source
from bot.text import EMAIL, URL, numbers, personal_data

MAX_CHARS = 280


def violations(text: str, mention: Mention, sources: Sequence[Source]) -> list[str]:
    """Return what is wrong with a draft (empty when it is fit to show an approver)."""
    problems: list[str] = []
    if len(text) > MAX_CHARS:
        problems.append(f"longer than {MAX_CHARS} characters ({len(text)})")
    grounded = numbers(mention.text).union(*(_source_numbers(s.text) for s in sources))
    invented = sorted(n for n in numbers(_without_handles(text)) if n not in grounded)
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
    return problems


@lru_cache(maxsize=20_000)
def _source_numbers(text: str) -> frozenset[str]:
    return frozenset(numbers(text))


def _without_handles(text: str) -> str:
    """Drop @handles: a handle like @user2024 is an address, not a claim."""
    return " ".join(w for w in text.split() if not w.startswith("@"))
