"""Say a policy sentence to the person: "Customers may return it" -> "You may return it".

A help centre writes about "customers" in the third person; a reply speaks to one of them. The
rewrite is made only where it cannot change the meaning (see `prompts/address.toml`): the
people open the sentence or a clause, unqualified, followed by a verb whose form for "you" is
the same, and no "they" or "them" follows that could mean something else. Anything else is
quoted as written.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path


class AddressError(ValueError):
    """The address rules file is malformed."""


@dataclass(frozen=True)
class _Rules:
    you: str
    subject: re.Pattern[str]  # the people, unqualified, and the verb after them
    relative: re.Pattern[str]  # the people opening a condition ("customers who …"), then a verb
    condition: str
    possessive: dict[str, str]
    possessives: re.Pattern[str]
    ambiguous: re.Pattern[str]


def _any(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class Address:
    """The rewrite rules per language; a language without rules is quoted unchanged."""

    rules: dict[str, _Rules]

    @classmethod
    def load(cls, path: Path) -> Address:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls({})
        except tomllib.TOMLDecodeError as exc:
            raise AddressError(f"{path}: {exc}") from None
        rules = {}
        for language, entry in data.items():
            try:
                plural, singular = entry["plural"], entry["singular"]
                modals, verbs = entry["modals"], entry["verbs"]
                people = (
                    rf"(?:(?:{_any(entry['determiners'])})\s+)?(?P<plural>{_any(plural)})"
                    rf"\s+(?P<verb>{_any([*modals, *verbs])})"
                    rf"|(?P<singular>{_any(singular)})\s+(?P<modal>{_any(modals)})"
                )
                opener = rf"(?:^|(?<=[.!?] )|(?P<opener>\b(?:{_any(entry['openers'])})\s+))"
                relative = (
                    rf"^(?:(?:{_any(entry['determiners'])})\s+)?(?:{_any(plural)})\s+"
                    rf"(?:{_any(entry['relative'])})\s+(?P<clause>[^,;:]{{3,80}}?)\s+"
                    rf"(?P<verb>{_any([*modals, *verbs])})\b"
                )
                possessive = {str(k): str(v) for k, v in entry["possessive"].items()}
                rules[language] = _Rules(
                    you=str(entry["you"]),
                    subject=re.compile(rf"{opener}(?:{people})\b", re.IGNORECASE),
                    relative=re.compile(relative, re.IGNORECASE),
                    condition=str(entry["condition"]),
                    possessive=possessive,
                    possessives=re.compile(rf"\b(?:{_any(list(possessive))})\b", re.IGNORECASE),
                    ambiguous=re.compile(rf"\b(?:{_any(entry['ambiguous'])})\b", re.IGNORECASE),
                )
            except (KeyError, TypeError, AttributeError, re.error) as exc:
                raise AddressError(f"{path}: [{language}] {exc}") from None
        return cls(rules)

    def to_reader(self, sentence: str) -> str:
        """Return `sentence` said to the reader where that is safe, else unchanged (by the
        first language whose rules apply: a sentence says "customers" in one language)."""
        for rules in self.rules.values():
            said = _said(rules, sentence)
            if said != sentence:
                return said
        return sentence


def _said(rules: _Rules, sentence: str) -> str:
    """`sentence` said to the reader by one language's rules, or unchanged."""
    if rules.ambiguous.search(sentence):
        return sentence
    condition = rules.relative.search(sentence)
    if condition is not None:  # "Customers who X can Y" -> "If you X, you can Y"
        lead = f"{rules.condition.capitalize()} {rules.you} {condition['clause']}, "
        rest = f"{rules.you} {condition['verb']}{sentence[condition.end() :]}"
        return _theirs(rules, lead + rest)
    first = rules.subject.search(sentence)
    if first is None:
        return sentence

    def you(match: re.Match[str]) -> str:
        verb = match.group("verb") or match.group("modal")
        opener = match.group("opener") or ""
        word = rules.you if opener else rules.you.capitalize()
        return f"{opener}{word} {verb}"

    # What the people own after they are named becomes the reader's; before, it is not theirs.
    rest = rules.subject.sub(you, sentence[first.start() :])
    return sentence[: first.start()] + _theirs(rules, rest)


def _theirs(rules: _Rules, text: str) -> str:
    """`text` with what "they" own made the reader's ("their order" -> "your order")."""
    return rules.possessives.sub(
        lambda m: _cased(rules.possessive[m.group(0).lower()], m.group(0)), text
    )


def _cased(word: str, like: str) -> str:
    return word.capitalize() if like[:1].isupper() else word
