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

from dataclasses import dataclass

from bot.unmask.blobs import _MIN_BLOB, _blobs
from bot.unmask.layers import _hidden_layers
from bot.unmask.letters import _fold_confusables, _join_spaced, _unleet
from bot.unmask.markers import _markers
from bot.unmask.visible import _unescape, _visible

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
