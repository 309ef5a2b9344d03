"""Text helpers shared by triage, retrieval, drafting and the guards.

Normalisation that defeats simple obfuscation (zero-width characters, full-width letters,
spaced-out or leetspeak words), multilingual tokenising and stemming, sentence splitting, number
extraction for the grounding check, personal-data detection and Slack mrkdwn escaping.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import Stemmer

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_SPACED = re.compile(r"\b(?:[a-z][ .\-_*]){3,}[a-z]\b")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
HANDLE = re.compile(r"(?<!\w)@\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“(\[]?[A-Z0-9€$£])")

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<![\w/])\+?\(?\d[\d\s().-]{7,}\d(?![\w/])")
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


# Social spelling of function words ("whats", "dont", "pls") says nothing about the topic either.
INFORMAL = (
    {
        f"{w}{s}"
        for w in ("what", "how", "where", "who", "when", "that", "there", "it", "here")
        for s in ("s", "'s", "’s")
    }
    | {
        f"{w}{s}"
        for w in ("don", "can", "won", "isn", "doesn", "didn", "aren", "wasn", "haven", "hasn")
        for s in ("t", "'t", "’t")
    }
    | {"im", "ive", "i've", "i'm", "ur", "pls", "plz", "thx", "btw", "tbh", "u"}
)


@lru_cache(maxsize=32_768)  # knowledge-base sentences are normalised again for every mention
def normalise(text: str) -> str:
    """Return NFKC-folded, lower-cased text without zero-width characters or extra spaces."""
    folded = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).casefold()
    return re.sub(r"\s+", " ", folded).strip()


def without_handles_and_links(text: str) -> str:
    """Return `text` with @handles and links blanked out (they say nothing about the topic)."""
    return URL.sub(" ", HANDLE.sub(" ", text))


def deobfuscate(text: str) -> str:
    """Return `normalise(text)` with leetspeak undone and s p a c e d words joined."""
    plain = normalise(text)
    plain = _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), plain)
    # Only map digits inside words ("1gn0re"), so prices and dates survive for other checks.
    return re.sub(r"\b\w*[a-z]\w*\b", lambda m: m.group(0).translate(_LEET), plain)


def words(text: str) -> list[str]:
    """Return the lower-cased word tokens of `text`.

    A hyphenated word with a short part is written both ways ("wi-fi"/"wifi", "e-mail"/"email",
    "e-bike"): it becomes one token without the hyphen, so either spelling matches the other.
    """
    return [_joined(t) if "-" in t else t for t in _WORD.findall(normalise(text))]


def _joined(token: str) -> str:
    parts = token.split("-")
    return "".join(parts) if min(len(p) for p in parts) <= 2 else token


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(language)


_STEM_LANG = {
    "en": "english",
    "nl": "dutch",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "pt": "portuguese",
    "it": "italian",
}
STEM_LANGUAGES = tuple(_STEM_LANG)  # the languages `stems` has a Snowball stemmer for


def stems(tokens: Iterable[str], language: str = "en") -> list[str]:
    """Return Snowball stems of `tokens` for a supported language (English otherwise).

    Snowball leaves irregular English verbs apart ("kept" ≠ "keep", "paid" ≠ "pay"); they are
    mapped to their base form first, so "do you keep my data?" finds "data is kept".
    """
    words_ = list(tokens)
    if language not in _STEM_LANG or language == "en":
        words_ = [_IRREGULAR.get(w, w) for w in words_]
    return _stemmer(_STEM_LANG.get(language, "english")).stemWords(words_)


# Past forms of common irregular English verbs → the base form.
_IRREGULAR = {
    form: base
    for base, forms in {
        "be": "was were been",
        "begin": "began begun",
        "break": "broke broken",
        "bring": "brought",
        "build": "built",
        "buy": "bought",
        "choose": "chose chosen",
        "come": "came",
        "do": "did done",
        "feel": "felt",
        "find": "found",
        "get": "got gotten",
        "give": "gave given",
        "go": "went gone",
        "hold": "held",
        "keep": "kept",
        "know": "knew known",
        "leave": "left",
        "lose": "lost",
        "make": "made",
        "pay": "paid",
        "run": "ran",
        "say": "said",
        "sell": "sold",
        "send": "sent",
        "show": "shown",
        "spend": "spent",
        "take": "took taken",
        "tell": "told",
        "throw": "threw thrown",
        "write": "wrote written",
    }.items()
    for form in forms.split()
}


def sentences(text: str, cells: bool = False) -> list[str]:
    """Split a passage into sentences; list items and table rows become sentences too.

    With `cells`, each table row is followed by one sentence per cell ("R20: weight 2 kg."):
    a question about one figure of one row is answered with that figure, not the whole row."""
    out: list[str] = []
    header: list[str] | None = None
    lead = ""  # a line ending in ":" that introduces the list below it
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if line.startswith("|"):
            row = [c.strip() for c in line.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in row if c):
                continue
            if header is None:
                header = row
                continue
            out.append(_table_row(header, row))
            if cells:
                out.extend(_table_row(header, [row[0], *one]) for one in _cells_alone(row))
            continue
        header = None
        if not line or line.startswith(("#", "<!--")):
            continue
        item = re.match(r"^(?:[-*•]|\d+[.)])\s+", line)
        line = re.sub(r"\*\*|__|`", "", line[item.end() :] if item else line)
        if item and lead:
            out.append(f"{lead} — {line}")
            continue
        parts = [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]
        lead = parts.pop().rstrip(":").strip() if parts and parts[-1].endswith(":") else ""
        out.extend(parts)
    return out


def _cells_alone(row: list[str]) -> list[list[str]]:
    """Each non-empty cell after the first, the others blanked (for `_table_row`); none for a
    row of two cells, whose one value the row itself already is."""
    if len(row) <= 2:
        return []
    values = row[1:]
    return [[v if j == i else "" for j, v in enumerate(values)] for i, v in enumerate(values) if v]


def _table_row(header: list[str], cells: list[str]) -> str:
    """Render a Markdown table row as a sentence: "Belgium: shipping cost €4.95, free from €75."."""
    pairs = [
        f"{_header_word(name)} {value}"
        for name, value in zip(header[1:], cells[1:], strict=False)
        if value
    ]
    lead = cells[0] if cells else ""
    return f"{lead}: {', '.join(pairs)}." if pairs else f"{lead}."


def _header_word(name: str) -> str:
    """Lower-case a header like "Shipping cost" mid-sentence, but keep names like "Volta 300"."""
    if any(ch.isdigit() for ch in name) or name.isupper():
        return name
    return name[:1].lower() + name[1:]


def numbers(text: str) -> set[str]:
    """Return the numbers in `text`, normalised so "1,000" = "1000" and "4,50" = "4.5"."""
    found = set()
    for match in _NUMBER.findall(text):
        if _is_grouped(match):
            found.add(match.replace(",", "").replace(".", ""))
            continue
        whole, _, fraction = match.replace(",", ".").partition(".")
        fraction = fraction.replace(".", "").rstrip("0")
        found.add(f"{whole}.{fraction}" if fraction else whole)
    return found


def _is_grouped(token: str) -> bool:
    """Return True for thousands-grouped numbers such as 10,000 or 1.200.000."""
    return bool(re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", token))


def personal_data(text: str) -> list[str]:
    """Return e-mail addresses and phone numbers found in `text`."""
    found = EMAIL.findall(text)
    for match in PHONE.findall(text):
        if sum(ch.isdigit() for ch in match) >= 9:
            found.append(match.strip())
    return found


def escape_mrkdwn(text: str) -> str:
    """Escape `&`, `<` and `>` so Slack renders stranger-written text literally."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Return `text` cut at a word boundary to at most `limit` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return cut + "…"


@lru_cache(maxsize=50_000)
def stem_set(text: str) -> frozenset[str]:
    """Return the English stems of the words of `text` (cached: passages recur per mention)."""
    return frozenset(stems(words(text)))
