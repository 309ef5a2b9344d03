"""The one owner of reply rules: each network's length limit and how it counts, its handles,
and whether the bot may post there.

Every path that puts text in front of the public asks this module: the drafter aims inside the
limit, and Approve, Edit, Regenerate and an expert's answer refuse a text over it before anything
is stored or posted. Plain Python only (the `regex` module for grapheme clusters), no SDK.

How each network counts (from its own documentation):
- X: "weighted length", limit 280. A URL counts 23; a code point in the Latin, Greek, Cyrillic,
  Hebrew, Arabic … ranges (U+0000–U+10FF and some punctuation) counts 1, any other (CJK, emoji)
  counts 2; an emoji sequence counts 2 as a whole.
- Bluesky: 300 graphemes (user-perceived characters).
- Mastodon: the instance's own limit (500 by default); a URL counts 23, and a mention of a
  remote account counts only its "@user" part.
- Reddit: 10,000 characters of the posted text, which has every Markdown character escaped
  (bot.networks.markdown), so a stranger's `*` cannot format the brand's reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import regex

from bot.networks.markdown import escape_markdown

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_REMOTE_MENTION = re.compile(r"(?<![\w@])(@[\w.-]+)@[\w.-]+\.[A-Za-z]{2,}")
_GRAPHEME = regex.compile(r"\X")
_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}")
# twitter-text v3: code points counted with weight 1; everything else counts 2.
_X_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


def _x_length(text: str) -> int:
    total = 0
    for piece in _URL.split(text):
        for cluster in _GRAPHEME.findall(piece):
            if _PICTOGRAPHIC.search(cluster):
                total += 2
                continue
            for char in cluster:
                code = ord(char)
                total += 1 if any(lo <= code <= hi for lo, hi in _X_LIGHT) else 2
    return total + 23 * len(_URL.findall(text))


def _reddit_length(text: str) -> int:
    return len(escape_markdown(text))  # what is posted: every Markdown character escaped


def _graphemes(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def _mastodon_length(text: str) -> int:
    text = _REMOTE_MENTION.sub(r"\1", text)
    return len(_URL.sub("x" * 23, text))


# Handles as each network allows them, without the leading "@" or "u/".
_X_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
_DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_BLUESKY_HANDLE = re.compile(rf"(?=.{{3,253}}$)(?:{_DOMAIN_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]*)")
_MASTODON_HANDLE = re.compile(
    rf"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{{0,28}}[A-Za-z0-9_])?(?:@(?:{_DOMAIN_LABEL}\.)+[A-Za-z]{{2,}})?"
)
_REDDIT_HANDLE = re.compile(r"[A-Za-z0-9_-]{3,20}")
# A feed or webhook line from another tool: a name of letters, digits and . _ - @ only, so
# nothing Slack or a network would read as markup (<!channel>, *bold*, a link) gets through.
# Lines are checked against this, not each network's exact format: tools that export posts
# write handles loosely (display variants, old exports), and refusing the line would lose the
# mention; what a handle must never carry is markup.
_ANY_HANDLE = re.compile(r"[\w.@-]{1,100}")


@dataclass(frozen=True, slots=True)
class NetworkRules:
    """What one network allows a reply to be."""

    network: str  # the Mention.network value
    label: str  # as people write it: "X", "Bluesky"
    limit: int
    unit: str  # what the limit counts, for messages: "characters", "graphemes"
    length: Callable[[str], int]
    handle_pattern: re.Pattern[str]
    handle_prefix: str = "@"
    reach_unit: str = "followers"
    can_post: bool = True  # False: the API may not reply to these (X keyword matches)
    why_not: str | None = None  # shown on the card when it cannot post

    def handle(self, author: str | None) -> str:
        """Return the author as the network writes a handle ("@name", "u/name"), or ""."""
        return f"{self.handle_prefix}{author}" if author else ""

    def valid_handle(self, author: str) -> bool:
        return self.handle_pattern.fullmatch(author) is not None

    def check(self, text: str) -> str | None:
        """Return why `text` cannot be posted here as written, or None."""
        if not text.strip():
            return "The reply is empty."
        used = self.length(text)
        if used > self.limit:
            return (
                f"The reply is {used:,} {self.unit} by {self.label}'s count; "
                f"the limit there is {self.limit:,}."
            )
        return None


_X = NetworkRules("x", "X", 280, "characters", _x_length, _X_HANDLE)
_FALLBACK = NetworkRules("jsonl", "feed", 280, "characters", len, _ANY_HANDLE)

DEFAULT_RULES: dict[str, NetworkRules] = {
    "x": _X,
    "x_search": replace(
        _X,
        network="x_search",
        can_post=False,
        why_not="X lets the API reply only to posts that mention or quote the account",
    ),
    "bluesky": NetworkRules("bluesky", "Bluesky", 300, "graphemes", _graphemes, _BLUESKY_HANDLE),
    "mastodon": NetworkRules(
        "mastodon", "Mastodon", 500, "characters", _mastodon_length, _MASTODON_HANDLE
    ),
    "reddit": NetworkRules(
        "reddit",
        "Reddit",
        10_000,
        "characters (Markdown characters escaped)",
        _reddit_length,
        _REDDIT_HANDLE,
        handle_prefix="u/",
        reach_unit="karma",
    ),
}


class ReplyRules:
    """The rules of every network, with limits an adapter learnt at start (Mastodon's instance)."""

    def __init__(self, limits: Mapping[str, int] | None = None) -> None:
        self._rules = dict(DEFAULT_RULES)
        for network, limit in (limits or {}).items():
            if network in self._rules:
                self._rules[network] = replace(self._rules[network], limit=limit)

    def for_network(self, network: str) -> NetworkRules:
        """Return the network's rules; a feed or webhook network gets the plain fallback."""
        found = self._rules.get(network)
        if found is not None:
            return found
        return replace(_FALLBACK, network=network, label=network)

    def check(self, network: str, text: str) -> str | None:
        return self.for_network(network).check(text)

    def handle(self, network: str, author: str | None) -> str:
        return self.for_network(network).handle(author)


RULES = ReplyRules()


def safe_handle(author: str) -> bool:
    """Return whether a handle from a feed or webhook line is safe to store and show."""
    return _ANY_HANDLE.fullmatch(author) is not None and not author.startswith(("@", "."))


def normalise_handle(network: str, author: str) -> str:
    """Strip the prefix a person may have typed ("@name", "u/name") before validating."""
    author = author.strip()
    if network == "reddit" and author[:2].lower() == "u/":
        return author[2:]
    if network == "reddit" and author[:3].lower() == "/u/":
        return author[3:]
    return author[1:] if author.startswith("@") else author
