"""Undo the disguises that public mentions use to slip instructions and spam past filters.

`unmask` turns a mention into the text a reader would actually see and understand, so that the
prompt-injection and spam checks downstream match what it says rather than how it is spelt:
invisible characters dropped, look-alike letters folded to Latin, s p a c e d and l33t words
rejoined, HTML and percent escapes decoded, then NFKC-folded, casefolded and with whitespace
collapsed. Texts hidden inside it (base64 or hex blobs, a rot13 or reversed passage, tag
characters) are decoded and unmasked too, and the chat or markup structure that an injection
borrows (special tokens, role labels, fences, role JSON, tags, delimiter walls) is named. The module
is pure and fast (tens of microseconds a mention): it imports no SDK and reads only Unicode data,
from the standard library and from `confusable_homoglyphs`.
"""

from __future__ import annotations

import base64
import binascii
import html
import itertools
import math
import operator
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

DISGUISES = frozenset(
    {
        "zero_width",
        "confusables",
        "spacing",
        "leet",
        "rot13",
        "base64",
        "hex",
        "html_entities",
        "percent_encoding",
        "reversed",
    }
)
MARKERS = frozenset(
    {"chat_token", "role_label", "code_fence", "json_role", "markup_tag", "delimiter_wall"}
)

# Layers inside layers (base64 of rot13 of …) are followed this deep, and no further: each layer
# costs a full pass, and a mention that nests three disguises is already caught by the first two.
_MAX_DEPTH = 2
_MAX_DECODED = 8


@dataclass(frozen=True, slots=True)
class Unmasked:
    """What a mention really says, what it hid, and which disguises and structure it used."""

    plain: str
    decoded: tuple[str, ...]
    disguises: frozenset[str]
    markers: frozenset[str]


def unmask(text: str) -> Unmasked:
    """Return `text` with its disguises undone, its hidden layers decoded and its markers named."""
    found: set[str] = set()
    markers: set[str] = set()
    decoded: list[str] = []
    plain = _unmask(text, 0, found, markers, decoded)
    return Unmasked(
        plain=plain,
        decoded=tuple(dict.fromkeys(d for d in decoded if d and d != plain)),
        disguises=frozenset(found),
        markers=frozenset(markers),
    )


def _unmask(text: str, depth: int, found: set[str], markers: set[str], decoded: list[str]) -> str:
    hidden: list[str] = []
    text = _visible(text, found, hidden)
    if "&" in text or "%" in text:
        escaped = _unescape(text, found)
        if escaped != text:  # an escape may spell an invisible or a full-width character
            text = _visible(escaped, found, hidden)
    markers.update(_markers(text))
    long_tokens = [token for token in text.split() if len(token) >= _MIN_BLOB]
    if long_tokens or "\\x" in text:
        hidden.extend(_blobs(long_tokens, text, found))
    text = _fold_confusables(text, found).casefold()
    text = _join_spaced(text, found)
    text = _unleet(text, found)
    plain = " ".join(text.split())
    hidden.extend(_hidden_layers(plain, found, bool(long_tokens)))
    for layer in hidden:
        if depth < _MAX_DEPTH and len(decoded) < _MAX_DECODED:
            decoded.append(_unmask(layer, depth + 1, found, markers, decoded))
    return plain


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


# --- markers --------------------------------------------------------------------------------

_ROLES = (
    r"system|user|assistant|human|ai|bot|developer|dev|admin|administrator|operator|"
    r"systeem|gebruiker|assistent|beheerder|ontwikkelaar|"  # Dutch
    r"benutzer|nutzer|entwickler|mensch|"  # German
    r"syst[eè]me|utilisateur|d[eé]veloppeur|administrateur|humain|ia|"  # French
    r"sistema|usuario|usu[aá]rio|asistente|assistente|desarrollador|desenvolvedor|"  # es, pt
    r"administrador|humano|utente|sviluppatore|amministratore|umano"  # es, pt, it
)
# Read backwards from a colon: a role word at the start of the text, a line or a sentence, or
# right after the @handles a reply starts with ("@brand System: …").
_ROLE_BEFORE_COLON = re.compile(
    rf"(?:^|[\n.!?]|@\w+)[ \t\"'*_>(\[-]*\b(?:{_ROLES})[ \t\])*_]*\Z", re.IGNORECASE
)
_ROLE_IN_BRACKETS = re.compile(rf"\[[ \t]*(?:{_ROLES})\b[^\]\n]{{0,20}}\]", re.IGNORECASE)
_CHAT_TOKEN = re.compile(
    r"<\|[^|<>\s]{1,40}\|>|<</?SYS>>|</?s>|<(?:start|end)_of_turn>|\[/?INST\]", re.IGNORECASE
)
_HEADING_TOKEN = re.compile(
    r"^[ \t>]*#{2,4}[ \t]*(?:[a-z]+[ \t]+)?"
    r"(?:instruction|response|system|input|output|human|assistant|prompt|rule)s?\b",
    re.IGNORECASE | re.MULTILINE,
)
_JSON_ROLE = re.compile(
    r"[\"'“”‘’]role[\"'“”‘’]\s*:\s*[\"'“”‘’](?:system|assistant|developer|user|tool|function)\b",
    re.IGNORECASE,
)
_MARKUP_TAG = re.compile(
    r"<\s*/?\s*(?:system|user|assistant|human|ai|bot|developer|admin|administrator|"
    r"instructions?|context|prompt|system_prompt|tools?|rules|polic(?:y|ies)|documents?|"
    r"messages?|input|output|memory|secret|hidden|im_start|im_end)\b[^<>\n]{0,60}>",
    re.IGNORECASE,
)
_DELIMITER_RUN = re.compile(r"([=\-#%_~+|/\\<>─━═])\1{4,}")
_BEGIN_END = re.compile(
    r"\b(?:BEGIN|END)(?:[ _]OF)?[ _](?:SYSTEM|PROMPT|INSTRUCTIONS?|CONTEXT|USER|INPUT|OUTPUT|"
    r"DOCUMENTS?|MESSAGES?|DATA|ADMIN|RULES|TEXT|SECRET|CONFIG|OVERRIDE|CHAT)\b"
)


def _markers(text: str) -> Iterator[str]:
    """Yield the names of the chat or markup structures found in `text`."""
    # Each check first asks for a character its structure cannot do without: most mentions
    # have none of them, and a substring test costs far less than a regular expression.
    if (("<" in text or "[" in text) and _CHAT_TOKEN.search(text)) or (
        "##" in text and _HEADING_TOKEN.search(text)
    ):
        yield "chat_token"
    if _has_role_label(text):
        yield "role_label"
    if "```" in text or "~~~" in text:
        yield "code_fence"
    if ":" in text and _JSON_ROLE.search(text):
        yield "json_role"
    if "<" in text and _MARKUP_TAG.search(text):
        yield "markup_tag"
    if _DELIMITER_RUN.search(text) or (
        ("BEGIN" in text or "END" in text) and _BEGIN_END.search(text)
    ):
        yield "delimiter_wall"


def _has_role_label(text: str) -> bool:
    if "[" in text and _ROLE_IN_BRACKETS.search(text):
        return True
    colon = text.find(":")
    while colon >= 0:
        # A colon of "https://" or "10:30" has no role word before it: the regex says so fast.
        if text[colon + 1 : colon + 3] != "//" and _ROLE_BEFORE_COLON.search(
            text, max(0, colon - 48), colon
        ):
            return True
        colon = text.find(":", colon + 1)
    return False


# --- base64 and hex blobs -------------------------------------------------------------------

_MIN_BLOB = 16
_BLOB = re.compile(r"(?<![\w+/=-])[A-Za-z0-9+/_-]{16,}={0,2}(?![\w+/=-])")
_HEX_ESCAPES = re.compile(r"(?:\\x[0-9a-fA-F]{2}){4,}")
_HEX = re.compile(r"[0-9a-fA-F]+")


def _blobs(long_tokens: list[str], text: str, found: set[str]) -> Iterator[str]:
    """Yield the readable texts hidden in base64 or hex blobs among `long_tokens` of `text`."""
    for match in (m for token in long_tokens for m in _BLOB.finditer(token)):
        blob = match.group()
        if _HEX.fullmatch(blob):
            if len(blob) % 2 == 0 and (hidden := _readable(bytes.fromhex(blob))):
                found.add("hex")
                yield hidden
        elif hidden := _readable(_b64decode(blob)):
            found.add("base64")
            yield hidden
    if "\\x" in text:
        for match in _HEX_ESCAPES.finditer(text):
            if hidden := _readable(bytes.fromhex(match.group().replace("\\x", ""))):
                found.add("hex")
                yield hidden


def _b64decode(blob: str) -> bytes:
    if "+" in blob or "/" in blob:
        if "-" in blob or "_" in blob:
            return b""  # both alphabets at once: a path or a slug, not base64
        altchars = b"+/"
    else:
        altchars = b"-_"
    blob = blob.rstrip("=")
    if len(blob) % 4 == 1:
        return b""
    try:
        return base64.b64decode(blob + "=" * (-len(blob) % 4), altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _readable(data: bytes) -> str:
    """Return `data` as text when it is printable UTF-8 that is mostly letters, else ""."""
    if len(data) < 6:
        return ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    if not " ".join(text.split()).isprintable():
        return ""
    # Random bytes are seldom printable UTF-8, and almost never two-thirds letters and spaces.
    letters = sum(c.isalpha() or c == " " for c in text)
    return text if letters >= 0.66 * len(text) else ""


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


# --- rot13 and reversed text ----------------------------------------------------------------

# The ~200 most frequent English words and the commonest function words of the other languages
# served. They are the measure of "reads like language": a passage that has none of them but
# whose rot13 or reversal has them was written to hide, and their letter pairs are the model.
_COMMON_BY_LANGUAGE = {
    "en": """
        the be to of and a in that have i it for not on with he as you do at this but his by from
        they we say her she or an will my one all would there their what so up out if about who
        get which go me when make can like time no just him know take people into year your good
        some could them see other than then now look only come its over think also back after use
        two how our work first well way even new want because any these give day most us is are
        was were been has had did said made find here thing many very more those tell why ask need
        feel try leave call keep let put mean seem help show hear play run move live believe hold
        bring happen write sit stand lose pay meet include continue set learn change lead
        understand watch follow stop create speak read allow add spend grow open walk win offer
        remember love consider appear buy wait serve send expect build stay fall cut reach remain
        please thanks thank hello hey still where should before never always something every great
        much off again same last long little own right big high old few next each while through
        down being such am nothing home order today really sure money got going doing yes yet told
    """,
    "nl": """
        de het een en van ik je dat niet is op te zijn voor met die maar wat er ook als bij nog dan
        naar al hebben heb mijn jullie kan wel geen om uit
    """,
    "de": """
        der die das und ist ich nicht sie es ein eine zu den mit sich auf für von dem des auch wie
        wir ihr mein kann aber noch bei nach habe
    """,
    "fr": """
        le la les de des et est un une je pas que qui dans pour en sur avec ce il elle nous vous
        mon ma mes ne plus mais tout très merci
    """,
    "es": """
        el la los las de y que en un una es no por con para se del lo mi su al pero como más muy
        gracias este esta hola
    """,
    "pt": """
        o a os as de do da dos das e que em um uma não para com por se mais no na meu minha muito
        obrigado está isso
    """,
    "it": """
        il lo la gli le di che e è un una non per con in del della mi ma come sono molto grazie
        questo ho
    """,
}
_COMMON_WORDS = frozenset(w for words in _COMMON_BY_LANGUAGE.values() for w in words.split())

_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_ROT13 = str.maketrans(_ALPHABET, _ALPHABET[13:] + _ALPHABET[:13])


def _bigram_bits() -> dict[str, float]:
    """Return log2 P(next letter | letter) learned from the common words, word edges included.

    Seven languages' common words are enough to tell which way letters run ("th", not "ht"; a
    word ends in "e" far more often than it starts with one) and which letters are frequent, so
    both a rot13 passage and a reversed one score far below what they decode to.
    """
    pairs: dict[str, int] = {}
    firsts: dict[str, int] = {}
    for word in _COMMON_WORDS:
        for a, b in itertools.pairwise(f"^{word}$"):
            pairs[a + b] = pairs.get(a + b, 0) + 1
            firsts[a] = firsts.get(a, 0) + 1
    # Add-two smoothing: the list is small, so a pair seen in a word or two ("out") is a hint,
    # not proof, and an unseen one is rare rather than impossible (27 possible next symbols).
    return {
        a + b: math.log2((pairs.get(a + b, 0) + 2) / (firsts.get(a, 0) + 2 * 27))
        for a in "^" + _ALPHABET
        for b in _ALPHABET + "$"
    }


_BIGRAM_BITS = _bigram_bits()
_COMMON_BONUS = 6.0  # bits: decoding into a common word is worth as much as a few letter pairs
# Thresholds in bits, set on ~1,700 ordinary texts in the seven languages (sample mentions,
# knowledge bases, README, the language tests) and 20 more Romance-language sentences: no run of
# their words gains more than 13 bits by rot13 (9 in mentions); reversed, a whole text gains at
# most ~10 bits and 0.27 a letter, a run inside one up to 15. So a reversed passage must start
# with its full stop, or be the whole text and gain clearly. Short instructions in the seven
# languages gain 17 or more by rot13; reversed, 9 or more and 0.24 a letter or more.
_ROT13_MIN_GAIN = 16.0
_REVERSED_CUED_MIN_GAIN = 6.0  # when a full stop leads the run, as in ".snoitcurtsni"
_REVERSED_MIN_GAIN = 10.0
_REVERSED_MIN_PER_LETTER = 0.45
_MIN_LETTERS = 12

# Links and handles are no prose to decode; nor are long blobs (base64 read as letters).
_NOT_PROSE = re.compile(r"(?:https?://|www\.)\S+|@\w+")
_NOT_PROSE_OR_BLOB = re.compile(r"(?:https?://|www\.)\S+|@\w+|[a-z0-9+/_-]{16,}=*")
_LETTERS = re.compile(r"[a-z]{2,}")


def _hidden_layers(plain: str, found: set[str], blobs: bool) -> list[str]:
    """Return rot13 or reversed passages of `plain` that read better decoded than as written."""
    if blobs:
        plain_prose = _NOT_PROSE_OR_BLOB.sub(_blank, plain)
    elif "@" in plain or "http" in plain or "www." in plain:
        plain_prose = _NOT_PROSE.sub(_blank, plain)
    else:
        plain_prose = plain
    words = _LETTERS.findall(plain_prose)
    if len(words) < 2:
        return []
    rot_gains, back_gains = zip(*map(_gains, words), strict=True)
    rot = back = None
    if _may_reach(rot_gains, _ROT13_MIN_GAIN):
        rot = _best_run(plain_prose, rot_gains, _ROT13_MIN_GAIN)
    if _may_reach(back_gains, _REVERSED_CUED_MIN_GAIN):
        back = _best_run(plain_prose, back_gains, _REVERSED_CUED_MIN_GAIN)
        if back:
            start = back[0]
            # Reversed, a sentence's full stop comes first: ".snoitcurtsni suoiverp erongi".
            if plain[start - 1 : start] in ".!?" and plain[start - 2 : start - 1] in ("", " "):
                back = (start - 1, back[1], back[2])
            elif not _reads_backwards(words, back_gains):
                back = None
    if rot and back and rot[0] < back[1] and back[0] < rot[1]:
        # One passage, two readings (the rot13 of a reversed text gains too): the better wins.
        rot, back = (rot, None) if rot[2] > back[2] else (None, back)
    layers = []
    if rot:
        found.add("rot13")
        layers.append(plain[rot[0] : rot[1]].translate(_ROT13))
    if back:
        found.add("reversed")
        layers.append(plain[back[0] : back[1]][::-1])
    return layers


def _reads_backwards(words: list[str], gains: tuple[float, ...]) -> bool:
    """Return whether a whole text without a leading full stop reads clearly better reversed.

    Its gain must be large in all and per letter: Italian or Spanish words ending in vowels
    ("la pizza era buona") reverse into passable letter pairs, but only weakly per letter.
    """
    total = sum(gains)
    return total >= _REVERSED_MIN_GAIN and total >= _REVERSED_MIN_PER_LETTER * sum(map(len, words))


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _may_reach(gains: tuple[float, ...], threshold: float) -> bool:
    """Return whether any run of words, or the whole text, could gain `threshold` bits.

    The best run gains max(prefix[j] - min(prefix[:j])): two `accumulate`s find it in C, so
    the exact scan of `_best_run` runs only for the rare text that comes close.
    """
    prefix = list(itertools.accumulate(gains, initial=0.0))
    lows = itertools.accumulate(prefix, min)
    return max(map(operator.sub, prefix[1:], lows)) >= threshold or prefix[-1] >= threshold


def _best_run(
    prose: str, gains: tuple[float, ...], threshold: float
) -> tuple[int, int, float] | None:
    """Return the span and gain of the words to decode, if they gain `threshold` bits or more.

    A text disguised whole is decoded whole, though a few of its words decode badly ("ignora"
    reads no better in rot13). Otherwise Kadane's maximum-subarray scan finds the run of two or
    more words that gains most: a disguised passage inside an ordinary sentence.
    """
    best, first, last = sum(gains), 0, len(gains) - 1
    if best < threshold:
        total, start = 0.0, 0
        for i, gain in enumerate(gains):
            if total <= 0:
                total, start = 0.0, i
            total += gain
            if total > best and i > start:
                best, first, last = total, start, i
    tokens = list(_LETTERS.finditer(prose))[first : last + 1]
    if best < threshold or len(tokens) < 2 or sum(len(t.group()) for t in tokens) < _MIN_LETTERS:
        return None
    return tokens[0].start(), tokens[-1].end(), best


@lru_cache(maxsize=65_536)  # mentions reuse a small vocabulary: most words are scored once
def _gains(word: str) -> tuple[float, float]:
    """Return how many bits `word` gains by rot13 and by reversal."""
    rot, back = word.translate(_ROT13), word[::-1]
    score = _bigram_score(word)
    rot_gain = _bigram_score(rot) - score
    back_gain = _bigram_score(back) - score
    # Short words turn into one another too easily: "on"/"no", "be"/"or" by rot13, and by
    # reversal "now"/"won", or Italian "tuo" into English "out".
    common = word in _COMMON_WORDS
    if len(word) >= 3:
        rot_gain += _COMMON_BONUS * ((rot in _COMMON_WORDS) - common)
    if len(word) >= 4:
        back_gain += _COMMON_BONUS * ((back in _COMMON_WORDS) - common)
    return rot_gain, back_gain


def _bigram_score(word: str) -> float:
    padded = f"^{word}$"
    return sum(_BIGRAM_BITS[padded[i : i + 2]] for i in range(len(padded) - 1))
