"""Base64 and hex blobs that decode to readable text."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

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
