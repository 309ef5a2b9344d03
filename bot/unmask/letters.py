"""Letters in disguise: look-alikes from other scripts, s p a c i n g and l33t."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# --- confusables ----------------------------------------------------------------------------

# Latin letters in these blocks (IPA, small capitals, phonetic, Latin Extended-D) are look-alikes;
# outside them are the accented letters of the mentions' own languages, which stay as they are.
_LATIN_LOOKALIKE_BLOCKS = ((0x0250, 0x02AF), (0x1D00, 0x1DBF), (0xA720, 0xA7FF))
# Latin-script letters: the look-alike blocks count, so a word in small capitals is all Latin.
_LATIN_LETTER = re.compile(
    r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02af\u1d00-\u1dbf\u1e00-\u1eff\ua720-\ua7ff]"
)
_SMALL_CAPITAL = re.compile(r"LATIN LETTER SMALL CAPITAL ([A-Z])")
_WORD = re.compile(r"[^\W\d_]+")


@cache
def _fold_table() -> dict[int, str]:
    """Map look-alike letters to the Latin letter they imitate (built once, on first use)."""
    # Imported here: the library reads its 900 KB of JSON on import, which ASCII-only use skips.
    from confusable_homoglyphs import categories, confusables

    data = confusables.confusables_data

    def latin_for(char: str) -> str | None:
        # The data lists direct look-alikes only (τ ~ ᴛ ~ T): follow a few links to reach ASCII.
        seen, frontier = {char}, [char]
        for _ in range(3):
            nxt = []
            for c in frontier:
                for glyph in data.get(c, ()):
                    g = glyph["c"]
                    if len(g) == 1 and g.isascii() and g.isalpha():
                        return g.lower()
                    if len(g) == 1 and g not in seen:
                        seen.add(g)
                        nxt.append(g)
            frontier = nxt
        return None

    def lookalike_latin(cp: int) -> bool:
        return any(lo <= cp <= hi for lo, hi in _LATIN_LOOKALIKE_BLOCKS)

    table: dict[int, str] = {}
    for char in data:
        if len(char) != 1 or not unicodedata.category(char).startswith("L"):
            continue
        if categories.alias(char) in ("LATIN", "COMMON") and not lookalike_latin(ord(char)):
            continue
        # A capital imitates the Latin letter its small form imitates (Greek Ι as ι, so "i").
        target = latin_for(char.lower()) if char.lower() != char else None
        if target := target or latin_for(char):
            table[ord(char)] = target
    # Small capitals ("ɪɢɴᴏʀᴇ") are mostly missing from the confusables data; their names say it.
    for lo, hi in _LATIN_LOOKALIKE_BLOCKS:
        for cp in range(lo, hi + 1):
            if small := _SMALL_CAPITAL.fullmatch(unicodedata.name(chr(cp), "")):
                table.setdefault(cp, small.group(1).lower())
    return table


@cache
def _lookalikes() -> frozenset[str]:
    return frozenset(map(chr, _fold_table()))


def _fold_confusables(text: str, found: set[str]) -> str:
    """Fold look-alike letters to Latin inside mixed-script words, or anywhere in Latin text."""
    if text.isascii() or _lookalikes().isdisjoint(text):
        return text
    table = _fold_table()
    words = _WORD.findall(text)
    mostly_latin = len(_LATIN_LETTER.findall(text)) > sum(map(len, words)) / 2

    def fold(word: str) -> str:
        foreign = [c for c in word if not _LATIN_LETTER.match(c)]
        # A genuine Greek or Cyrillic word in a Latin text has letters with no Latin twin.
        if len(foreign) < len(word) or (mostly_latin and all(ord(c) in table for c in foreign)):
            return word.translate(table)
        return word

    folded = _WORD.sub(lambda m: fold(m.group()), text)
    if folded != text:
        found.add("confusables")
    return folded


# --- letter spacing -------------------------------------------------------------------------

# Single letters or digits with one separator between them, the same separator all along.
_SPACED_GROUP = re.compile(r"(?<![^\W_])[^\W_]([ .*_-])[^\W_](?:\1[^\W_])*(?![^\W_])")
# The same, found from its separator: most texts have none, and this fails fast on them.
_SPACED_HINT = re.compile(r"([ .*_-])[^\W_]\1[^\W_](?![^\W_])")


def _join_spaced(text: str, found: set[str]) -> str:
    """Join l e t t e r - s p a c e d words; two or more spaces separate the words."""
    if not _SPACED_HINT.search(text):
        return text
    out: list[str] = []
    pos = 0
    phrase: list[re.Match[str]] = []
    for group in [*_SPACED_GROUP.finditer(text), None]:
        if phrase and group is not None:
            gap = text[phrase[-1].end() : group.start()]
            if gap.isspace() and (len(gap) >= 2 or phrase[-1].group(1) != " "):
                phrase.append(group)
                continue
        if phrase:
            words = ["".join(g.group().split(g.group(1))) for g in phrase]
            letters = sum(c.isalpha() for word in words for c in word)
            items = sum(map(len, words))
            # "plan a b or c" keeps its letters: it takes 4 letters (or 3 among l33t digits).
            if items >= 4 and letters >= 3 and (letters >= 4 or letters < items):
                out.append(text[pos : phrase[0].start()])
                out.append(" ".join(words))
                pos = phrase[-1].end()
                found.add("spacing")
        phrase = [group] if group is not None else []
    out.append(text[pos:])
    return "".join(out)


# --- leetspeak ------------------------------------------------------------------------------

_LEET = str.maketrans("013457@$", "oieastas")
# A leet run of one or two between letters ("p4ss", "n00b") marks a text as l33t; prices, dates
# and order numbers have none. (Written from the leet character so that the search is fast.)
_LEET_INSIDE = re.compile(
    r"[013457@$](?<=[^\W\d_][013457@$])(?:[013457@$]?|[@$]{2})[^\W\d_]"  # "p@$$word" too
)
# In such a text, a leet character at a word's edge is l33t too ("4ll", "m3").
_LEET_EDGE = re.compile(r"[013457@$][^\W\d_]|[^\W\d_][013457@$]")
_TOKEN = re.compile(r"\S+")
_OTHER_DIGIT = re.compile(r"[2689]")
_ONES = re.compile(r"11+")
_FOR_IDIOM = re.compile(r"#?([^\W\d_]+)4\1\W*")  # "follow4follow", "#f4f": 4 reads "for"


def _unleet(text: str, found: set[str]) -> str:
    """Map leetspeak digits and symbols back to letters inside words that also have letters."""
    if not _LEET_INSIDE.search(text):
        return text
    tokens = _TOKEN.findall(text)
    if not any(_LEET_INSIDE.search(t) and _may_be_leet(t) for t in tokens):
        return text

    def unleet(token: str) -> str:
        if not _LEET_EDGE.search(token) or not _may_be_leet(token):
            return token
        # "a11", "ki11": a doubled 1 is "ll"; a single one is more often "i" ("1gn0r3", "3v1l").
        return _ONES.sub(lambda m: "l" * len(m.group()), token).translate(_LEET)

    mapped = _TOKEN.sub(lambda m: unleet(m.group()), text)
    if mapped != text:
        found.add("leet")
    return mapped


def _may_be_leet(token: str) -> bool:
    return not (
        token.startswith(("@", "www.", "http"))
        or _OTHER_DIGIT.search(token)  # "iphone15pro", "b2b", "gr8" are not l33t
        or ("@" in token and "." in token.partition("@")[2])  # an e-mail address
        or _FOR_IDIOM.fullmatch(token)
    )
