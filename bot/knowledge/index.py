"""Incremental indexing of the knowledge sources into a Chroma collection.

The sources are the files of a knowledge directory plus documents that are not files (expert
answers kept in the store). A manifest records each source's content hash and chunks; syncing
re-reads only changed sources, replaces just their chunks and drops the chunks of sources that
are gone. Where the collection and its manifest live is a backend: a local Chroma directory
with a JSON manifest beside it (the default, one host), or a Chroma server shared by every host
(`bot.knowledge.shared`). Chroma never embeds on its own here: its default embedding function
downloads a model, so vectors are always passed in.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.knowledge.loader import (
    Chunk,
    LoadedFile,
    digest,
    knowledge_files,
    load_document,
    load_file,
)
from bot.ports import Embedder

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
COLLECTION = "knowledge"


class KnowledgeIndexError(RuntimeError):
    """The index cannot be used as configured (unreachable server, another embedding model)."""


@dataclass(frozen=True)
class HnswParams:
    """HNSW graph settings. Chroma's defaults (M=16, ef_search=10) lose recall at 100k vectors;
    these keep top-5 recall against exact search at or above 0.95 (see benchmarks/)."""

    max_neighbors: int = 32
    ef_construction: int = 200
    ef_search: int = 200

    def configuration(self) -> dict[str, Any]:
        return {
            "hnsw": {
                "space": "cosine",
                "max_neighbors": self.max_neighbors,
                "ef_construction": self.ef_construction,
                "ef_search": self.ef_search,
            }
        }


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    chunks: int = 0
    rebuilt: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass(frozen=True)
class Document:
    """A knowledge source that is not a file. Its key has a colon, so no file path equals it."""

    key: str
    doc: str
    text: str


Progress = Callable[[str, int, int], None]  # (label, done, total)
Documents = Callable[[], Iterable[Document]]
Lock = Callable[[], AbstractContextManager[None]]
Record = dict[str, Any]  # a source in the manifest: digest, problems, chunks


class Backend(Protocol):
    """Where the collection and its manifest live."""

    shared: bool

    def collection(self) -> Any: ...
    def max_batch(self) -> int: ...
    def begin(self, embedder: str, root: str, report: SyncReport) -> dict[str, Record]: ...
    def load(self) -> dict[str, Record]: ...
    def drop(self, key: str) -> None: ...
    def put(self, key: str, record: Record) -> None: ...
    def finish(self, changed: bool) -> None: ...
    def revision(self) -> str: ...


class KnowledgeIndex:
    """A Chroma collection plus a manifest of what it holds."""

    def __init__(
        self,
        data_dir: Path,
        embedder: Embedder,
        hnsw: HnswParams | None = None,
        batch_size: int = 4096,
        backend: Backend | None = None,
        documents: Documents | None = None,
        lock: Lock | None = None,
    ) -> None:
        self.embedder = embedder
        self.hnsw = hnsw or HnswParams()
        self.batch_size = batch_size
        self.root = data_dir / "kb"
        self.backend = backend or LocalBackend(self.root, self.hnsw, embedder.name)
        self.documents = documents or (lambda: ())
        self._lock = lock or self._file_lock
        self._files: dict[str, Record] = self.backend.load()
        self.loaded_revision = self.backend.revision()

    @property
    def collection(self) -> Any:
        return self.backend.collection()

    # -- public -----------------------------------------------------------------------------

    def sync(self, knowledge_dir: Path, progress: Progress | None = None) -> SyncReport:
        """Bring the collection in line with `knowledge_dir` and the documents, touching only
        what changed.

        Processes sharing the collection sync one at a time under the lock, and each re-reads
        the manifest under it, so the second finds the work done.
        """
        with self._lock():
            report = self._sync(knowledge_dir, progress)
            self.loaded_revision = self.backend.revision()
            return report

    def refresh(self) -> bool:
        """Re-read the manifest if another process changed the index; return whether it had."""
        revision = self.backend.revision()
        if revision == self.loaded_revision:
            return False
        self._files = self.backend.load()
        self.loaded_revision = revision
        return True

    def chunks(self) -> list[Chunk]:
        """Return every indexed chunk, in manifest order."""
        return [
            Chunk.from_json(c) for key in sorted(self._files) for c in self._files[key]["chunks"]
        ]

    def query(self, vectors: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """Return, per query vector, up to k (chunk id, cosine similarity) pairs, best first."""
        # The manifest knows the size; Chroma's count() scans the collection (10 ms at 100k).
        count = sum(len(f["chunks"]) for f in self._files.values())
        if count == 0 or not len(vectors):
            return [[] for _ in vectors]
        result = self.collection.query(
            query_embeddings=np.asarray(vectors, dtype=np.float64).tolist(),
            n_results=min(k, count),
            include=["distances"],
        )
        distances = result["distances"] or []
        return [
            [(cid, 1.0 - float(dist)) for cid, dist in zip(ids, dists, strict=True)]
            for ids, dists in zip(result["ids"], distances, strict=True)
        ]

    # -- internals --------------------------------------------------------------------------

    def _sources(
        self, knowledge_dir: Path
    ) -> Iterator[tuple[str, bytes, Callable[[], LoadedFile]]]:
        for path in knowledge_files(knowledge_dir):
            data = path.read_bytes()
            yield (
                path.relative_to(knowledge_dir).as_posix(),
                data,
                lambda path=path, data=data: load_file(knowledge_dir, path, data),  # type: ignore[misc]
            )
        for document in self.documents():
            yield (
                document.key,
                document.text.encode(),
                lambda d=document: load_document(d.key, d.doc, d.text),  # type: ignore[misc]
            )

    def _sync(self, knowledge_dir: Path, progress: Progress | None) -> SyncReport:
        report = SyncReport()
        known = self.backend.begin(self.embedder.name, str(knowledge_dir.resolve()), report)
        seen: set[str] = set()
        pending: list[tuple[str, Callable[[], LoadedFile]]] = []
        for key, data, load in self._sources(knowledge_dir):
            seen.add(key)
            if key in known and known[key]["digest"] == digest(data):
                report.unchanged += 1
                report.problems.extend(known[key].get("problems", []))
                continue
            pending.append((key, load))

        for key in sorted(set(known) - seen):
            self.backend.drop(key)
            known.pop(key, None)
            report.removed.append(key)

        for done, (key, load) in enumerate(pending, start=1):
            loaded = load()
            (report.updated if key in known else report.added).append(key)
            self.backend.drop(key)  # also whatever a crash left half-written
            self._add(key, loaded.chunks, progress)
            known[key] = {
                "digest": loaded.digest,
                "problems": loaded.problems,
                "chunks": [c.to_json() for c in loaded.chunks],
            }
            self.backend.put(key, known[key])  # after each source: a crash loses at most one
            report.problems.extend(loaded.problems)
            if progress:
                progress("files", done, len(pending))
        self._files = known
        report.chunks = sum(len(f["chunks"]) for f in known.values())
        self.backend.finish(report.changed or report.rebuilt)
        return report

    def _add(self, key: str, chunks: list[Chunk], progress: Progress | None) -> None:
        collection = self.collection
        step = min(self.batch_size, self.backend.max_batch())
        for start in range(0, len(chunks), step):
            batch = chunks[start : start + step]
            vectors = self.embedder.embed([c.index_text for c in batch])
            collection.upsert(
                ids=[c.id for c in batch],
                embeddings=vectors,
                documents=[c.text for c in batch],
                metadatas=[
                    {"file": key, "doc": c.doc, "kind": str(c.kind), "ref": c.ref} for c in batch
                ],
            )
            if progress:
                progress(key, min(start + step, len(chunks)), len(chunks))

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "sync.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


class LocalBackend:
    """A local Chroma directory with a JSON manifest beside it: the processes of one host.

    The manifest names the embedding model and the knowledge directory; when either changes,
    the collection is rebuilt (this host owns it, so nobody else's index is lost).
    """

    shared = False

    def __init__(self, root: Path, hnsw: HnswParams, embedder: str) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.hnsw = hnsw
        self.embedder = embedder
        self.manifest_path = self.root / "manifest.json"
        self._manifest: dict[str, Any] = {}
        self._client: Any = None
        self._collection: Any = None

    def collection(self) -> Any:
        """Open Chroma on first use: an unchanged sync never needs it (and it is slow to load)."""
        if self._collection is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            self._client = chromadb.PersistentClient(
                path=str(self.root / "chroma"),
                settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True),
            )
            self._collection = self._open()
        return self._collection

    def max_batch(self) -> int:
        self.collection()
        return int(self._client.get_max_batch_size())

    def begin(self, embedder: str, root: str, report: SyncReport) -> dict[str, Record]:
        self._manifest = self._read()
        if self._manifest.get("embedder") != embedder or self._manifest.get("root") != root:
            if self._manifest.get("files"):
                report.rebuilt = True
                log.info("rebuilding knowledge index (embedder or knowledge directory changed)")
            self._reset()
            self._manifest = {
                "version": MANIFEST_VERSION,
                "embedder": embedder,
                "root": root,
                "files": {},
            }
        files: dict[str, Record] = self._manifest["files"]
        return files

    def load(self) -> dict[str, Record]:
        files: dict[str, Record] = self._read().get("files", {})
        return files

    def drop(self, key: str) -> None:
        if key in self._manifest.get("files", {}):
            self.collection().delete(where={"file": key})
        self._manifest["files"].pop(key, None)

    def put(self, key: str, record: Record) -> None:
        self._manifest["files"][key] = record
        self._write()

    def finish(self, changed: bool) -> None:
        if changed:
            self._write()

    def revision(self) -> str:
        try:
            stat = self.manifest_path.stat()
        except FileNotFoundError:
            return ""
        return f"{stat.st_mtime_ns}:{stat.st_size}"

    def _open(self) -> Any:
        return self._client.get_or_create_collection(
            name=COLLECTION,
            configuration=self.hnsw.configuration(),
            metadata={"embedder": self.embedder},
            embedding_function=None,
        )

    def _reset(self) -> None:
        self.collection()
        try:
            self._client.delete_collection(COLLECTION)
        except Exception:  # an absent collection: nothing to delete
            log.debug("no collection to delete")
        self._collection = self._open()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return data if data.get("version") == MANIFEST_VERSION else {}

    def _write(self) -> None:
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._manifest, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.manifest_path)
