"""The offline drafter's phrase bank (`prompts/replies.toml`), loaded and checked strictly."""

from __future__ import annotations

import re
import tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path

from bot.patterns import PatternSet

SLOTS = (
    "question_open", "praise", "praise_follow", "complaint_open", "complaint_short",
    "safety_open", "safety_short", "safety_fallback",
    "dm_order", "dm_safety", "dm_general", "holding", "escalated", "other", "closer", "review_lead",
    "question_open_plain", "closer_plain",
)  # fmt: skip


class PhraseError(ValueError):
    """The phrase bank is missing a slot or breaks a rule (numbers, links, unknown placeholder)."""


@dataclass(frozen=True)
class Phrases:
    by_language: dict[str, dict[str, tuple[str, ...]]]
    brand: str

    def voice(self, language: str) -> str:
        """Return the language a draft's phrases are written in: `language` when its bank has
        every slot, else English. One draft never mixes two banks' languages."""
        bank = self.by_language.get(language, {})
        return language if all(bank.get(slot) for slot in SLOTS) else "en"

    def pick(self, language: str, slot: str, seed: str) -> str:
        """Return one phrase for `slot`, stable for a given seed, in `language` or English."""
        bank = self.by_language.get(language) or self.by_language["en"]
        options = bank.get(slot) or self.by_language["en"][slot]
        phrase = options[zlib.crc32(f"{seed}/{slot}".encode()) % len(options)]
        return phrase.replace("{brand}", self.brand)


def load_phrases(path: Path, brand: str) -> Phrases:
    """Read the phrase bank; English must define every slot, other languages may omit some."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PhraseError(f"phrase bank not found: {path}") from None
    if "en" not in data:
        raise PhraseError(f"{path}: missing [en] section")
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for language, slots in data.items():
        unknown = set(slots) - set(SLOTS)
        if unknown:
            raise PhraseError(f"{path}: [{language}] unknown slot(s): {', '.join(sorted(unknown))}")
        for slot, options in slots.items():
            if not isinstance(options, list) or not options:
                raise PhraseError(f"{path}: [{language}] {slot} must be a non-empty list")
            for phrase in options:
                if re.search(r"\d|https?://|www\.|@", phrase):
                    raise PhraseError(
                        f"{path}: [{language}] {slot}: {phrase!r} has a number, link or handle; "
                        "facts must come from the knowledge base"
                    )
                if set(re.findall(r"{(\w*)}", phrase)) - {"brand"}:
                    raise PhraseError(
                        f"{path}: [{language}] {slot}: unknown placeholder in {phrase!r}"
                    )
        out[language] = {slot: tuple(options) for slot, options in slots.items()}
    missing = set(SLOTS) - set(out["en"])
    if missing:
        raise PhraseError(f"{path}: [en] missing slot(s): {', '.join(sorted(missing))}")
    return Phrases(by_language=out, brand=brand)


def load_bad_news(path: Path) -> PatternSet:
    """Read the patterns of a sentence that says no (`prompts/bad_news.toml`)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PhraseError(f"bad-news patterns not found: {path}") from None
    patterns = data.get("patterns")
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise PhraseError(f"{path}: 'patterns' must be a list of strings")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise PhraseError(f"{path}: invalid pattern {pattern!r}: {exc}") from None
    return PatternSet(patterns)
