"""Invisible characters and escapes: what a reader would not see, or would see decoded."""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

# --- invisible characters -------------------------------------------------------------------

# Emoji use these on purpose (👍🏽️, 👨‍👩‍👧): they are dropped too, but are no disguise there.
_EMOJI_GLUE = "\u200d\ufe0e\ufe0f"
_JOINER_IN_WORD = re.compile(r"\w\u200d|\u200d\w")
_TAG_RUN = re.compile(r"(?<!\U0001f3f4)[\U000e0020-\U000e007e]{3,}")  # not a flag's region tags


@cache
def _invisible() -> re.Pattern[str]:
    """Match invisible characters other than emoji glue (built once, on first use: ~10 ms)."""
    # Format characters (Cf) live in the first two planes and in plane 14 (the tag characters).
    planes = itertools.chain(range(0x80, 0x20000), range(0xE0000, 0xE1000))
    chars = {c for c in map(chr, planes) if unicodedata.category(c) == "Cf"}
    # Invisible but not Cf: variation selectors, the combining grapheme joiner, Hangul fillers.
    chars |= {"\u034f", "\u115f", "\u1160", "\u3164", "\uffa0"}
    chars |= set(map(chr, itertools.chain(range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))))
    chars -= set(_EMOJI_GLUE)
    return re.compile(_char_class(map(ord, chars)))


def _char_class(codepoints: Iterable[int]) -> str:
    """Return a regex class of `codepoints` written as ranges (one per char is much slower)."""
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges) + "]"


_GLUE = re.compile(f"[{_EMOJI_GLUE}]")


def _visible(text: str, found: set[str], hidden: list[str]) -> str:
    """Drop invisible characters, keep tag-character text as a hidden layer, and apply NFKC."""
    if text.isascii():
        return text
    if _invisible().search(text):
        found.add("zero_width")
        if _TAG_RUN.search(text):
            # Tag characters mirror ASCII one for one ("ASCII smuggling"): read what they say.
            hidden.extend(
                "".join(chr(ord(ch) - 0xE0000) for ch in run.group())
                for run in _TAG_RUN.finditer(text)
            )
        text = _invisible().sub("", text)
    if "\u200d" in text and _JOINER_IN_WORD.search(text):
        found.add("zero_width")
    text = _GLUE.sub("", text)
    if not unicodedata.is_normalized("NFKC", text):
        if _FANCY_LETTERS.search(text):
            found.add("confusables")
        text = unicodedata.normalize("NFKC", text)
    return text


# Full-width, mathematical, circled and squared letters: NFKC folds them, and they are disguises.
_FANCY_LETTERS = re.compile(
    "[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u24b6-\u24e9\U0001d400-\U0001d7ff"
    "\U0001f130-\U0001f189]"
)


# --- escapes --------------------------------------------------------------------------------

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2}){2,}")


def _unescape(text: str, found: set[str]) -> str:
    """Decode HTML entities and percent-escapes in place (the X API itself sends `&amp;`)."""
    if "&" in text:
        text = _ENTITY.sub(lambda m: _entity(m.group(), found), text)
    if "%" in text:
        text = _PERCENT.sub(lambda m: _percent(m.group(), found), text)
    return text


def _entity(entity: str, found: set[str]) -> str:
    char = html.unescape(entity)
    # Named entities such as &amp; are ordinary markup; a numeric one spelling a letter is not.
    if entity.startswith("&#") and any(c.isalnum() for c in char):
        found.add("html_entities")
    return char


def _percent(escaped: str, found: set[str]) -> str:
    try:
        text = bytes.fromhex(escaped.replace("%", "")).decode("utf-8")
    except UnicodeDecodeError:
        return escaped
    if not text.isprintable():
        return escaped
    if sum(c.isalpha() for c in text) >= 2:
        found.add("percent_encoding")
    return text
