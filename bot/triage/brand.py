"""Who the brand is online, and the link and account signals that imitate it.

Phishing and impersonation lean on looking like the brand: a domain with the brand's name and a
hyphen ("brand-support.com") or a letter swapped, an account called "brand_helpdesk". The brand's
own names, handles and domains come from the settings and from its knowledge base (the domains
its policies link to), so nothing here is written for one brand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

_DOMAIN = re.compile(
    r"(?<![@\w.-])(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,24})(?=[/\s:,;!?)\]]|\.?$|\.\s)",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@])@(\w{1,30})")
# A name the brand gives its own things: two or more words, each capitalised or a number
# ("Fire Club", "Halo Tower", "Ridge 3"), in running text (headings are left out: they may be
# written in title case).
_TITLE = re.compile(r"(?<![\w-])([A-Z][a-z]+(?:[ -](?:[A-Z][\w]*|\d+\w*))+)(?![\w-])")
_SIMILAR = 0.8  # SequenceMatcher ratio from which a name reads as an imitation
_INSIDE = 88  # rapidfuzz partial ratio from which a label holds a near copy of the name
# Digits and capitals that stand in for letters in a disguised name ("qu1llmoor", "brandI"):
# each reading of the label is tried, with 1 and I read as l, and 1 as i.
_STAND_INS = (
    str.maketrans("10345@$7I", "loeasast" + "l"),
    str.maketrans("10345@$7I", "ioeasast" + "l"),
)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


@dataclass(frozen=True)
class BrandIdentity:
    """The brand's own names (as compact keys), handles and domains."""

    names: frozenset[str]
    handles: frozenset[str]
    domains: frozenset[str]
    titles: frozenset[str] = frozenset()  # the names of its own things, lower-cased

    @classmethod
    def build(cls, name: str, handle: str, knowledge_texts: Iterable[str] = ()) -> BrandIdentity:
        """Build from the configured name and handle; domains are those the knowledge base uses."""
        keys = {_key(name), _key(handle)} | {_key(w) for w in name.split() if len(w) >= 4}
        keys.discard("")
        domains = set()
        own = {_key(handle)} - {""}
        titles: set[str] = set()
        for text in knowledge_texts:
            running = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
            titles.update(t.casefold() for t in _TITLE.findall(running))
            for found in _DOMAIN.findall(text):
                label = _label(found)
                if any(k and (k in label or label in k) for k in keys):
                    domains.add(found.casefold())
            # The brand's other accounts its own pages name ("write to @brandcare").
            own.update(_key(h) for h in _HANDLE.findall(text) if any(k in _key(h) for k in keys))
        return cls(frozenset(keys), frozenset(own), frozenset(domains), frozenset(titles))

    def without_titles(self, text: str) -> str:
        """`text` with the names of the brand's own things taken out: "the Fire Club voucher"
        speaks of a loyalty scheme, not of a fire."""
        if not self.titles:
            return text
        pattern = _titles_pattern(self.titles)
        return pattern.sub(" ", text)

    @classmethod
    def from_directory(cls, name: str, handle: str, knowledge_dir: Path | None) -> BrandIdentity:
        texts: list[str] = []
        if knowledge_dir is not None and knowledge_dir.is_dir():
            texts = [
                p.read_text(encoding="utf-8", errors="replace")
                for p in sorted(knowledge_dir.rglob("*.md"))
            ]
        return cls.build(name, handle, texts)

    def lookalike_domains(self, text: str) -> list[str]:
        """Return domains in `text` that imitate the brand's but are not its own.

        Read `text` as written, not unmasked: a digit or capital standing in for a letter of
        the brand's name is itself the disguise ("qu1llmoor.de", "brandI-gifts.com").
        """
        out = []
        for found in _DOMAIN.findall(text):
            domain = found.casefold()
            if any(domain == own or domain.endswith("." + own) for own in self.domains):
                continue
            label = _label(domain)
            disguised = {_key(_label(found.translate(t))) for t in _STAND_INS} - {label}
            if self._imitates(label) or any(self._contains(v) for v in disguised):
                out.append(domain)
        return out

    def imitates_handle(self, author: str | None) -> bool:
        """Return whether `author` looks like the brand's account without being it."""
        if not author:
            return False
        key = _key(author)
        return key not in self.handles and self._imitates(key)

    def _imitates(self, label: str) -> bool:
        for name in self.names:
            if len(name) < 4:
                continue
            if name in label and label != name:
                return True  # the brand's name plus something: brand-support, brandhelp
            if label != name and SequenceMatcher(None, label, name).ratio() >= _SIMILAR:
                return True  # a letter swapped or doubled: bramd, brandd
            longer = len(label) >= len(name) and label != name  # "quill" is another word
            if len(name) >= 5 and longer and fuzz.partial_ratio(name, label) >= _INSIDE:
                return True  # a near copy plus something: bramd-gifts
        return False

    def _contains(self, label: str) -> bool:
        """Return whether a disguised label, read with its stand-ins undone, is the brand's."""
        return any(
            len(name) >= 4 and (name in label or self._imitates(label)) for name in self.names
        )


def _label(domain: str) -> str:
    """The registrable label of a domain, compacted: "help.brand-shop.co.uk" → "brandshop"."""
    parts = domain.casefold().split(".")
    # Second-level public suffixes (co.uk, com.br, and it.com or us.com sold as such) leave the
    # label one further left.
    if len(parts) >= 3 and len(parts[-2]) <= 3 and len(parts[-1]) <= 3:
        parts = parts[:-1]
    return _key(parts[-2]) if len(parts) >= 2 else _key(parts[0])


def handles(text: str) -> list[str]:
    """Return the distinct @handles in `text`, in order."""
    return list(dict.fromkeys(h.casefold() for h in _HANDLE.findall(text)))


@lru_cache(maxsize=8)
def _titles_pattern(titles: frozenset[str]) -> re.Pattern[str]:
    ordered = sorted(titles, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)", re.I)
