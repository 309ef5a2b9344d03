"""Reddit Markdown escaping: a reply shows exactly as approved, whatever a stranger wrote.

Pure Python, shared by the Reddit adapter (what it posts) and the reply rules (what counts
against Reddit's 10,000-character limit is the escaped text).
"""

from __future__ import annotations

import re


def escape_markdown(text: str) -> str:
    """Return `text` so that Reddit shows it as written: no Markdown, bare URLs still links."""
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = line.lstrip(" \t")  # four leading spaces would make a code block
        # split() keeps the URLs (the pattern's group) at the odd places, to be left as written
        pieces = _URL.split(line)
        out = "".join(p if i % 2 else _escape_inline(p) for i, p in enumerate(pieces))
        lines.append(_escape_line_start(out))
    # A single newline would join the lines on Reddit; two trailing spaces keep the break.
    return "  \n".join(lines).replace("  \n  \n", "\n\n")


# Of the characters Reddit's renderer (snudown) lets a backslash escape, \`*_{}[]()#+-.!:|&<>/^~,
# these format text anywhere in a line; the others matter only at a line's start, or not at all.
_INLINE = re.compile(r"([\\`*_\[\]()|&<>^~])")
_URL = re.compile(
    r"((?:https?://|www\.)[^\s<>\[\]()]+(?:\([^\s()]*\)[^\s<>\[\]()]*)*)", re.IGNORECASE
)
_BLOCK_START = re.compile(r"^(#|[-+](?=\s|$)|\d+(?=\.\s|\.$)|=+\s*$|-{3,}\s*$)")


def _escape_inline(text: str) -> str:
    return _INLINE.sub(r"\\\1", text)


def _escape_line_start(line: str) -> str:
    """Escape what only means something at the start of a line: headings, lists, rules."""
    match = _BLOCK_START.match(line)
    if match is None:
        return line
    start = match.group(1)
    if start[0].isdigit():  # "1. " would start a numbered list: escape its period
        return start + "\\" + line[len(start) :]
    if start[0] == "=":  # a line of "=" underlines the one above as a heading
        return "&#61;" + line[1:]
    return "\\" + line
