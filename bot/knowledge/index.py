"""Incremental indexing of a knowledge directory into a persistent Chroma collection.

A manifest beside the Chroma data records each file's content hash and chunks. Syncing re-reads
only changed files, replaces just their chunks, drops the chunks of deleted files, and rebuilds
everything when the embedding model or the knowledge directory changes. Chroma never embeds on
its own here: its default embedding function downloads a model, so vectors are always passed in.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.knowledge.loader import Chunk, digest, knowledge_files, load_file
from bot.ports import Embedder

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
COLLECTION = "knowledge"


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


Progress = Callable[[str, int, int], None]  # (label, done, total)


class KnowledgeIndex:
    """A Chroma collection plus a manifest of what it holds."""

    def __init__(
        self,
        data_dir: Path,
        embedder: Embedder,
        hnsw: HnswParams | None = None,
        batch_size: int = 4096,
    ) -> None:
        self.embedder = embedder
        self.hnsw = hnsw or HnswParams()
        self.batch_size = batch_size
        self.root = data_dir / "kb"
        self.root.mkdir(parents=True, exist_ok=True)
        self.manifest_path = self.root / "manifest.json"
        self._manifest = self._read_manifest()
        self._client: Any = None
        self._collection: Any = None

    @property
    def collection(self) -> Any:
        """Open Chroma on first use: an unchanged sync never needs it (and it is slow to load)."""
        if self._collection is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            self._client = chromadb.PersistentClient(
                path=str(self.root / "chroma"),
                settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True),
            )
            self._collection = self._open_collection()
        return self._collection

    # -- public -----------------------------------------------------------------------------

    def sync(self, knowledge_dir: Path, progress: Progress | None = None) -> SyncReport:
        """Bring the collection in line with `knowledge_dir`, touching only what changed.

        Several processes may share a data directory (workers and a web process on one
        machine): a file lock makes them sync one at a time, and each re-reads the manifest
        under the lock, so the second finds the work done.
        """
        with (self.root / "sync.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._manifest = self._read_manifest()
            return self._sync(knowledge_dir, progress)

    def _sync(self, knowledge_dir: Path, progress: Progress | None) -> SyncReport:
        report = SyncReport()
        root_id = str(knowledge_dir.resolve())
        if (
            self._manifest.get("embedder") != self.embedder.name
            or self._manifest.get("root") != root_id
        ):
            if self._manifest.get("files"):
                report.rebuilt = True
                log.info("rebuilding knowledge index (embedder or knowledge directory changed)")
            self._reset()
            self._manifest = {
                "version": MANIFEST_VERSION,
                "embedder": self.embedder.name,
                "root": root_id,
                "files": {},
            }
        known: dict[str, Any] = self._manifest["files"]
        paths = list(knowledge_files(knowledge_dir))
        seen: set[str] = set()
        pending: list[tuple[str, bytes, Path]] = []
        for path in paths:
            rel = path.relative_to(knowledge_dir).as_posix()
            seen.add(rel)
            data = path.read_bytes()
            if rel in known and known[rel]["digest"] == digest(data):
                report.unchanged += 1
                report.problems.extend(known[rel].get("problems", []))
                continue
            pending.append((rel, data, path))

        for rel in sorted(set(known) - seen):
            self.collection.delete(where={"file": rel})
            del known[rel]
            report.removed.append(rel)

        total = sum(1 for _ in pending)
        for done, (rel, data, path) in enumerate(pending, start=1):
            loaded = load_file(knowledge_dir, path, data)
            if rel in known:
                self.collection.delete(where={"file": rel})
                report.updated.append(rel)
            else:
                report.added.append(rel)
            self._add(rel, loaded.chunks, progress)
            known[rel] = {
                "digest": loaded.digest,
                "problems": loaded.problems,
                "chunks": [c.to_json() for c in loaded.chunks],
            }
            report.problems.extend(loaded.problems)
            if progress:
                progress("files", done, total)
            self._write_manifest()  # after each file, so a crash loses at most one file's work
        report.chunks = sum(len(f["chunks"]) for f in known.values())
        if report.changed or report.rebuilt:
            self._write_manifest()
        return report

    def chunks(self) -> list[Chunk]:
        """Return every indexed chunk, in manifest order."""
        return [
            Chunk.from_json(c)
            for rel in sorted(self._manifest.get("files", {}))
            for c in self._manifest["files"][rel]["chunks"]
        ]

    def query(self, vectors: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """Return, per query vector, up to k (chunk id, cosine similarity) pairs, best first."""
        # The manifest knows the size; Chroma's count() scans the collection (10 ms at 100k).
        count = sum(len(f["chunks"]) for f in self._manifest.get("files", {}).values())
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

    def _add(self, rel: str, chunks: list[Chunk], progress: Progress | None) -> None:
        collection = self.collection
        step = min(self.batch_size, self._client.get_max_batch_size())
        for start in range(0, len(chunks), step):
            batch = chunks[start : start + step]
            vectors = self.embedder.embed([c.index_text for c in batch])
            collection.upsert(
                ids=[c.id for c in batch],
                embeddings=vectors,
                documents=[c.text for c in batch],
                metadatas=[
                    {"file": rel, "doc": c.doc, "kind": str(c.kind), "ref": c.ref} for c in batch
                ],
            )
            if progress:
                progress(rel, min(start + step, len(chunks)), len(chunks))

    def _open_collection(self) -> Any:
        return self._client.get_or_create_collection(
            name=COLLECTION,
            configuration=self.hnsw.configuration(),
            metadata={"embedder": self.embedder.name},
            embedding_function=None,
        )

    def _reset(self) -> None:
        self.collection  # noqa: B018 - opens the client
        try:
            self._client.delete_collection(COLLECTION)
        except Exception:  # an absent collection: nothing to delete
            log.debug("no collection to delete")
        self._collection = self._open_collection()

    def _read_manifest(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return data if data.get("version") == MANIFEST_VERSION else {}

    def _write_manifest(self) -> None:
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._manifest, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.manifest_path)
