"""The knowledge index on a Chroma server that every host shares (`CHROMA_HOST`).

Everything the index needs lives on the server, so that the chunks and the record of what they
were made from can never drift apart: the chunks in the collection `knowledge`, the manifest
(each source's hash and chunks) in a second collection `knowledge-manifest`, and in the first
collection's metadata the embedding model it was built with and a revision stamp that changes
whenever a sync changed something (other processes poll it to pick up a new expert answer).

A process whose embedding model differs from the collection's refuses to use it: rebuilding a
collection other hosts query would break them. Chroma has no compare-and-set, so the lock that
lets one host sync at a time is not here but in the store every host shares (see
`bot.store.knowledge.KnowledgeEntries.index_lock`).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.index import COLLECTION, HnswParams, KnowledgeIndexError, Record, SyncReport

log = logging.getLogger(__name__)

MANIFEST_COLLECTION = "knowledge-manifest"
PART_CHUNKS = 500  # chunks per manifest record, so no record grows past a few hundred kB
PAGE = 50  # manifest records per read


@dataclass(frozen=True)
class ChromaServer:
    """Where the shared Chroma server is, and how to authenticate to it."""

    host: str
    port: int = 8000
    ssl: bool = False
    token: str | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"{'https' if self.ssl else 'http'}://{self.host}:{self.port}"

    def connect(self) -> Any:
        """Return chromadb's HTTP client for this server (a token goes as a Bearer header)."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        try:
            return chromadb.HttpClient(
                host=self.host,
                port=self.port,
                ssl=self.ssl,
                headers=headers,
                settings=ChromaSettings(anonymized_telemetry=False),
            )
        except Exception as exc:  # chromadb raises ValueError or httpx errors; say which server
            raise KnowledgeIndexError(
                f"cannot reach the Chroma server at {self.url} (CHROMA_HOST, CHROMA_PORT, "
                f"CHROMA_SSL, CHROMA_AUTH_TOKEN): {exc}"
            ) from None


class ServerBackend:
    """The index's collection and manifest on a shared Chroma server."""

    shared = True

    def __init__(self, server: ChromaServer, hnsw: HnswParams, embedder: str) -> None:
        self.server = server
        self.hnsw = hnsw
        self.embedder = embedder
        self._client: Any = None
        self._collection: Any = None
        self._manifest: Any = None

    def collection(self) -> Any:
        if self._collection is None:
            self._client = self.server.connect()
            collection = self._client.get_or_create_collection(
                name=COLLECTION,
                configuration=self.hnsw.configuration(),
                metadata={"embedder": self.embedder},
                embedding_function=None,
            )
            self._check(collection.metadata)
            self._manifest = self._client.get_or_create_collection(
                name=MANIFEST_COLLECTION,
                configuration={"hnsw": {"space": "l2"}},
                embedding_function=None,
            )
            self._collection = collection
        return self._collection

    def max_batch(self) -> int:
        self.collection()
        return int(self._client.get_max_batch_size())

    def begin(self, embedder: str, root: str, report: SyncReport) -> dict[str, Record]:
        # Hosts mount the knowledge directory at different paths: the root is not compared.
        return self.load()

    def load(self) -> dict[str, Record]:
        """Read the manifest; a source whose records are incomplete (a crash) is left out."""
        self.collection()
        parts: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
        meta: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            page = self._manifest.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
            for document, metadata in zip(page["documents"], page["metadatas"], strict=True):
                source = str(metadata["source"])
                parts[source][int(metadata["part"])] = json.loads(document)
                meta[source] = dict(metadata)
            if len(page["ids"]) < PAGE:
                break
            offset += PAGE
        files: dict[str, Record] = {}
        for source, found in parts.items():
            if len(found) != int(meta[source]["parts"]):
                continue
            ordered = [found[i] for i in sorted(found)]
            files[source] = {
                "digest": meta[source]["digest"],
                "problems": ordered[0].get("problems", []),
                "chunks": [c for part in ordered for c in part["chunks"]],
            }
        return files

    def drop(self, key: str) -> None:
        self.collection().delete(where={"file": key})
        self._manifest.delete(where={"source": key})

    def put(self, key: str, record: Record) -> None:
        chunks = record["chunks"]
        count = max(1, -(-len(chunks) // PART_CHUNKS))
        documents = [
            json.dumps(
                {
                    "problems": record["problems"] if i == 0 else [],
                    "chunks": chunks[i * PART_CHUNKS : (i + 1) * PART_CHUNKS],
                },
                ensure_ascii=False,
            )
            for i in range(count)
        ]
        self._manifest.upsert(
            ids=[f"{key}::{i}" for i in range(count)],
            embeddings=[[1.0]] * count,  # Chroma stores nothing without a vector
            documents=documents,
            metadatas=[
                {"source": key, "digest": record["digest"], "part": i, "parts": count}
                for i in range(count)
            ],
        )

    def finish(self, changed: bool) -> None:
        if changed:
            self.collection().modify(
                metadata={"embedder": self.embedder, "revision": uuid.uuid4().hex}
            )

    def revision(self) -> str:
        self.collection()
        metadata = self._client.get_collection(COLLECTION).metadata or {}
        self._check(metadata)
        return str(metadata.get("revision", ""))

    def _check(self, metadata: dict[str, Any] | None) -> None:
        recorded = (metadata or {}).get("embedder")
        if recorded != self.embedder:
            raise KnowledgeIndexError(
                f"the knowledge collection '{COLLECTION}' on the Chroma server {self.server.url} "
                f"was built with the embedding model {recorded!r}, and this process embeds with "
                f"{self.embedder!r}; it will not write into it. Give every host the same model "
                "(OPENAI_EMBEDDING_MODEL, or none for WordLlama), or rebuild: delete the "
                f"collections '{COLLECTION}' and '{MANIFEST_COLLECTION}' on the server first."
            )
