"""Rule categories searched fast: Python `re` for the answer, RE2 to skip texts that cannot match.

A category holds dozens of hand-written patterns (`prompts/triage_rules.toml`). Python's
backtracking engine tries every alternative at every position of the text, so one category
costs a few hundred microseconds per mention. RE2 matches a whole set of patterns in one linear
scan, but it lacks lookarounds and its `\\b` and `\\w` are ASCII only, so it cannot simply replace
`re` ("ärgerlich" has no `\\b` in front of it for RE2).

So each pattern is also rewritten into a *looser* RE2 pattern that matches at least everything
the original matches (word boundaries and lookarounds dropped, `\\w`/`\\d`/`\\s` widened to any
non-ASCII character). A text the loose set does not match cannot match the originals, and is
skipped; for the rest, only the originals whose loose form matched are run with `re`. Results
are exactly those of `re`; a pattern that cannot be loosened is always run with `re`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import re2

# Widened escapes: Python's \w, \d and \s (str patterns) include non-ASCII characters that RE2's
# ASCII classes do not, so the loose form admits every non-ASCII character as well.
_NON_ASCII = r"\x{80}-\x{10FFFF}"
_WIDEN_IN_CLASS = {
    "w": rf"\w{_NON_ASCII}",
    "d": rf"\d{_NON_ASCII}",
    "s": rf"\s\x0b\x1c-\x1f{_NON_ASCII}",
}
# Escapes RE2 reads as Python does (\W, \D, \S are wider in RE2, which only loosens).
_SAME = set("WDSAnrtfva.^$*+?{}[]()|\\/-'\"&~#%!,:;<=>@`_ ")


class _Unsupported(Exception):
    """The pattern uses a construct with no loose RE2 form (back-references, atomic groups…)."""


def loosen(pattern: str) -> str | None:
    """Return an RE2 pattern matching a superset of what `pattern` matches in Python, or None."""
    try:
        return _Loosener(pattern).run()
    except _Unsupported:
        return None


class _Loosener:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def run(self) -> str:
        out = self._sequence(stop_at_paren=False)
        if self.i != len(self.p):
            raise _Unsupported  # an unbalanced ")" : leave it to `re`
        return out

    def _sequence(self, stop_at_paren: bool) -> str:
        out: list[str] = []
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            if c == ")":
                if not stop_at_paren:
                    raise _Unsupported
                return "".join(out)
            if c == "\\":
                out.append(self._escape(in_class=False, negated=False))
            elif c == "[":
                out.append(self._class())
            elif c == "(":
                out.append(self._group())
            elif c == "$":
                self.i += 1
                out.append(r"(?:$|\n)")  # Python's $ also matches before a final newline
            elif c in "*+?}" and self.i + 1 < len(p) and p[self.i + 1] == "+":
                raise _Unsupported  # possessive quantifier
            else:
                self.i += 1
                out.append(c)
        if stop_at_paren:
            raise _Unsupported
        return "".join(out)

    def _escape(self, in_class: bool, negated: bool) -> str:
        p = self.p
        if self.i + 1 >= len(p):
            raise _Unsupported
        c = p[self.i + 1]
        self.i += 2
        if c in "bB":
            if not in_class:
                return ""  # a word boundary: dropping it only loosens
            if c == "b":
                return r"\x08"  # backspace, inside a class
            raise _Unsupported
        if c in "wds":
            if negated:
                return "\\" + c  # a narrower exclusion: the RE2 class is the wider one
            widened = _WIDEN_IN_CLASS[c]
            return widened if in_class else f"[{widened}]"
        if c == "Z":
            return r"\z"
        if c == "x":
            digits = p[self.i : self.i + 2]
            self.i += 2
            return rf"\x{{{digits}}}"
        if c in "uU":
            size = 4 if c == "u" else 8
            digits = p[self.i : self.i + size]
            self.i += size
            return rf"\x{{{digits}}}"
        if c in _SAME:
            return "\\" + c
        raise _Unsupported  # back-references (\1), \N{…}, octal and the like

    def _class(self) -> str:
        p = self.p
        self.i += 1
        negated = p.startswith("^", self.i)
        out = ["[^" if negated else "["]
        if negated:
            self.i += 1
        first = True
        while self.i < len(p):
            c = p[self.i]
            if c == "]" and not first:
                self.i += 1
                out.append("]")
                return "".join(out)
            if c == "\\":
                out.append(self._escape(in_class=True, negated=negated))
            elif c == "[":
                self.i += 1
                out.append(r"\[")  # literal in Python; RE2 would read "[:" as a POSIX class
            else:
                self.i += 1
                out.append(c)
            first = False
        raise _Unsupported

    def _group(self) -> str:
        p = self.p
        rest = p[self.i :]
        for opener in ("(?=", "(?!", "(?<=", "(?<!"):
            if rest.startswith(opener):
                self.i += len(opener)
                self._sequence(stop_at_paren=True)  # parsed for balance, then dropped
                self.i += 1
                return ""
        if rest.startswith("(?#"):
            end = p.find(")", self.i)
            if end < 0:
                raise _Unsupported
            self.i = end + 1
            return ""
        if rest.startswith("(?:"):
            head = "(?:"
        elif rest.startswith("(?P<"):
            end = p.find(">", self.i)
            if end < 0:
                raise _Unsupported
            head = p[self.i : end + 1]
        elif rest.startswith("(?"):
            flags = re.match(r"\(\?([a-zA-Z-]*)(:|\))", rest)
            if not flags or not set(flags.group(1)) <= set("ims-"):
                raise _Unsupported  # atomic groups, conditionals, (?P=name), a/L/u/x flags
            head = flags.group(0)
            if head.endswith(")"):
                self.i += len(head)
                return head
        else:
            head = "("
        self.i += len(head)
        body = self._sequence(stop_at_paren=True)
        self.i += 1
        return f"{head}{body})"


_CHUNK = 12  # patterns per RE2 set


class PatternSet:
    """A rule category: the patterns searched together, as one Python alternation would be.

    `search` returns what `re.search` on the alternation of all patterns would return, and
    `matching` which of the patterns match; both skip `re` for texts RE2 rules out.
    """

    def __init__(self, patterns: Sequence[str], flags: int = re.IGNORECASE) -> None:
        self.patterns = tuple(patterns)
        self._strict = tuple(re.compile(p, flags) for p in self.patterns)
        options = re2.Options()
        options.case_sensitive = not flags & re.IGNORECASE
        options.never_capture = True
        options.log_errors = False
        options.max_mem = 64 << 20
        self._loose: list[tuple[re2.Set, list[int]]] = []  # (set, its patterns' positions)
        self._always: list[int] = []  # patterns with no loose form: always run with `re`
        chunk: list[int] = []
        current = re2.Set.SearchSet(options)
        for index, pattern in enumerate(self.patterns):
            loose = loosen(pattern)
            if loose is None:
                self._always.append(index)
                continue
            try:
                current.Add(loose)
            except re2.error:
                self._always.append(index)
                continue
            chunk.append(index)
            # Small sets: the lazily built DFA of a large set with many bounded gaps
            # (".{0,40}") grows past what it caches, and every new text pays to rebuild it.
            if len(chunk) == _CHUNK:
                current.Compile()
                self._loose.append((current, chunk))
                chunk, current = [], re2.Set.SearchSet(options)
        if chunk:
            current.Compile()
            self._loose.append((current, chunk))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def __len__(self) -> int:
        return len(self.patterns)

    def candidates(self, text: str) -> list[int]:
        """The patterns that may match `text`, in file order (a superset of those that do)."""
        found = list(self._always)
        try:
            for loose, positions in self._loose:
                found.extend(positions[h] for h in loose.Match(text) or ())
        except UnicodeEncodeError:  # a lone surrogate: RE2 takes UTF-8 only
            return list(range(len(self.patterns)))
        return sorted(found)

    def matching(self, text: str) -> list[int]:
        """The positions of the patterns that match `text`."""
        return [i for i in self.candidates(text) if self._strict[i].search(text)]

    def search(self, text: str) -> re.Match[str] | None:
        """The leftmost match of any pattern (ties go to the earlier pattern), or None."""
        best: re.Match[str] | None = None
        for index in self.candidates(text):
            found = self._strict[index].search(text)
            if found and (best is None or found.start() < best.start()):
                best = found
        return best

    def sub(self, replacement: str, text: str) -> str:
        """Return `text` with every match of every pattern replaced by `replacement`."""
        for index in self.candidates(text):
            text = self._strict[index].sub(replacement, text)
        return text

    def matches_by_pattern(self, text: str) -> list[tuple[int, re.Match[str]]]:
        """The position and first match of each pattern that matches `text`."""
        found = ((i, self._strict[i].search(text)) for i in self.candidates(text))
        return [(i, m) for i, m in found if m]
