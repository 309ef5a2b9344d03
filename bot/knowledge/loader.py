"""Read a knowledge directory into chunks: Markdown policies by section, CSV reviews by row.

A policy file `policies/returns.md` becomes one chunk per `##` section (doc `returns`, ref the
section title); a review file `reviews/reviews.csv` with columns `id,product,rating,text` becomes
one chunk per row (doc `reviews`, ref the row id). Bad rows are reported with their line number
and skipped; the rest still load.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain import SourceKind
from bot.knowledge.expert import strip_provenance

REVIEW_COLUMNS = ("id", "product", "rating", "text")
MAX_CHUNK_CHARS = 1500


@dataclass(frozen=True, slots=True)
class Chunk:
    """One retrievable passage."""

    id: str
    doc: str
    kind: SourceKind
    ref: str
    text: str  # what a reader sees and what a reply may quote
    index_text: str  # what is embedded and ranked: text plus its title context

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "doc": self.doc,
            "kind": str(self.kind),
            "ref": self.ref,
            "text": self.text,
            "index_text": self.index_text,
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Chunk:
        return cls(
            id=data["id"],
            doc=data["doc"],
            kind=SourceKind(data["kind"]),
            ref=data["ref"],
            text=data["text"],
            index_text=data["index_text"],
        )


@dataclass(slots=True)
class LoadedFile:
    path: str  # relative to the knowledge dir, with forward slashes
    digest: str
    chunks: list[Chunk]
    problems: list[str] = field(default_factory=list)


def knowledge_files(root: Path) -> Iterator[Path]:
    """Yield the Markdown and CSV files under `root`, in a stable order."""
    if not root.is_dir():
        raise FileNotFoundError(f"knowledge directory not found: {root}")
    for path in sorted(root.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
        if path.is_file() and path.suffix.lower() in {".md", ".csv"} and not hidden:
            yield path


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_file(root: Path, path: Path, data: bytes | None = None) -> LoadedFile:
    """Parse one knowledge file into chunks."""
    raw = path.read_bytes() if data is None else data
    rel = path.relative_to(root).as_posix()
    text = raw.decode("utf-8-sig", errors="replace")
    if path.suffix.lower() == ".csv":
        chunks, problems = _review_chunks(rel, path.stem, text)
    else:
        chunks, problems = _policy_chunks(rel, path.stem, text), []
    return LoadedFile(path=rel, digest=digest(raw), chunks=chunks, problems=problems)


def load_document(key: str, doc: str, text: str) -> LoadedFile:
    """Parse a Markdown document that is not a file (an expert answer in the store)."""
    return LoadedFile(path=key, digest=digest(text.encode()), chunks=_policy_chunks(key, doc, text))


def _policy_chunks(rel: str, doc: str, text: str) -> list[Chunk]:
    title_match = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    title = title_match.group(1).strip() if title_match else doc.replace("-", " ").title()
    sections: list[tuple[str, list[str]]] = [("Overview", [])]
    for line in text.splitlines():
        found = re.match(r"^#{2,6}\s+(.+)$", line)
        if found:
            sections.append((found.group(1).strip(), []))
        elif not re.match(r"^#\s", line):
            sections[-1][1].append(line)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for heading, lines in sections:
        # HTML comments and provenance lines carry bookkeeping (who wrote and who saved an
        # expert answer, when): not knowledge a reply may quote.
        body = re.sub(r"<!--.*?-->\s*", "", "\n".join(lines), flags=re.DOTALL)
        body = strip_provenance(body).strip()
        if not body:
            continue
        for part_no, part in enumerate(_split_long(body)):
            ref = heading if part_no == 0 else f"{heading} ({part_no + 1})"
            seen[ref] = seen.get(ref, 0) + 1
            if seen[ref] > 1:
                ref = f"{ref} #{seen[ref]}"
            chunks.append(
                Chunk(
                    id=f"{rel}#{ref}",
                    doc=doc,
                    kind=SourceKind.POLICY,
                    ref=ref,
                    text=part,
                    index_text=f"{title}. {heading}.\n{part}",
                )
            )
    return chunks


def _split_long(body: str) -> list[str]:
    """Split an over-long section at paragraph breaks so each chunk stays focused."""
    if len(body) <= MAX_CHUNK_CHARS:
        return [body]
    parts: list[str] = []
    current = ""
    for para in re.split(r"\n\s*\n", body):
        if current and len(current) + len(para) > MAX_CHUNK_CHARS:
            parts.append(current.strip())
            current = ""
        current += para + "\n\n"
    if current.strip():
        parts.append(current.strip())
    return parts


def product_names(chunks: Iterable[Chunk]) -> set[str]:
    """Return the product names the reviews are about (the `product` column)."""
    return {
        c.index_text.split(_REVIEW_MARK, 1)[0]
        for c in chunks
        if c.kind is SourceKind.REVIEW and _REVIEW_MARK in c.index_text
    }


_REVIEW_MARK = " review. "


def _review_chunks(rel: str, doc: str, text: str) -> tuple[list[Chunk], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or [])
    missing = [c for c in REVIEW_COLUMNS if c not in header]
    if missing:
        return [], [
            f"{rel}: missing column(s) {', '.join(missing)}; expected {','.join(REVIEW_COLUMNS)}"
        ]
    chunks: list[Chunk] = []
    problems: list[str] = []
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        row_id = (row.get("id") or "").strip()
        body = (row.get("text") or "").strip()
        product = (row.get("product") or "").strip()
        rating = (row.get("rating") or "").strip()
        if None in row:
            problems.append(f"{rel}:{line}: more fields than the header has; row skipped")
            continue
        if not row_id or not body:
            problems.append(f"{rel}:{line}: empty id or text; row skipped")
            continue
        if row_id in seen:
            problems.append(f"{rel}:{line}: duplicate id {row_id!r}; row skipped")
            continue
        seen.add(row_id)
        shown = f"{product} ({rating}/5): {body}" if rating else f"{product}: {body}"
        chunks.append(
            Chunk(
                id=f"{rel}#{row_id}",
                doc=doc,
                kind=SourceKind.REVIEW,
                ref=row_id,
                text=shown,
                index_text=f"{product}{_REVIEW_MARK}{body}",
            )
        )
    return chunks, problems
