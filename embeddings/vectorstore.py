"""A LangChain ``VectorStore`` on faiss: cosine similarity, upsert by id, metadata filters.

It keeps its own in-memory faiss index (exact inner product on unit vectors) and a dict
docstore; ``save``/``load`` use the same safe on-disk format as the chunk index (faiss file,
SQLite, JSON manifest: nothing is unpickled). ``from_chunk_index`` exposes a built chunk
index to LangChain retrievers without re-embedding anything.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore
from langchain_core.vectorstores.utils import maximal_marginal_relevance

from corpus.model import Chunk
from embeddings._atomic import readable_index_dir, swap_in_dir
from embeddings.index import ChunkIndex, file_digest
from embeddings.store import read_documents, write_documents
from profile_qa.errors import IndexCorruptError, IndexMismatchError, IndexNotBuiltError

Filter = dict[str, Any] | Callable[[Document], bool]
_FORMAT_VERSION = 1
_VECTORS, _DOCUMENTS, _MANIFEST = "vectors.faiss", "documents.sqlite3", "manifest.json"
_CHUNK_META = tuple(f.name for f in dataclasses.fields(Chunk) if f.name not in ("id", "text"))


class ChunkVectorStore(VectorStore):
    """faiss-backed LangChain vector store; scores are cosine similarities (higher is closer)."""

    def __init__(self, embedding: Embeddings) -> None:
        self._embedding = embedding
        self._index: Any = None  # faiss IndexIDMap2 over IndexFlatIP, made on the first add
        self._docs: dict[str, tuple[int, Document]] = {}
        self._ids_by_fid: dict[int, str] = {}
        self._next_fid = 0
        self._lock = threading.RLock()  # async methods run the sync ones in worker threads

    @property
    def embeddings(self) -> Embeddings:
        """The LangChain Embeddings this store embeds queries and texts with."""
        return self._embedding

    def __len__(self) -> int:
        return len(self._docs)

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Embed and add texts; an id already present is replaced (upsert)."""
        texts = list(texts)
        if metadatas is not None and len(metadatas) != len(texts):
            raise ValueError(f"{len(metadatas)} metadatas for {len(texts)} texts")
        if ids is not None and len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
        if not texts:
            return []
        vectors = np.asarray(self._embedding.embed_documents(texts), dtype=np.float32)
        return self._add(texts, metadatas or [{} for _ in texts], ids, vectors)

    def _add(
        self,
        texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
        ids: Sequence[str | None] | None,
        vectors: np.ndarray,
    ) -> list[str]:
        final_ids = (
            [i or uuid.uuid4().hex for i in ids] if ids else [uuid.uuid4().hex for _ in texts]
        )
        vectors = _unit_rows(vectors)
        with self._lock:
            self._ensure_index(vectors.shape[1])
            self._remove(set(final_ids))
            # Within one call the last text given for an id wins, as with repeated calls.
            last = {doc_id: pos for pos, doc_id in enumerate(final_ids)}
            keep = sorted(last.values())
            fids = np.arange(self._next_fid, self._next_fid + len(keep), dtype=np.int64)
            self._next_fid += len(keep)
            self._index.add_with_ids(vectors[keep], fids)
            for fid, pos in zip(fids.tolist(), keep, strict=True):
                doc = Document(
                    id=final_ids[pos], page_content=texts[pos], metadata=dict(metadatas[pos])
                )
                self._docs[final_ids[pos]] = (fid, doc)
                self._ids_by_fid[fid] = final_ids[pos]
        return final_ids

    def _ensure_index(self, dimension: int) -> None:
        import faiss

        if self._index is None:
            self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        elif self._index.d != dimension:
            raise ValueError(f"vectors have {dimension} dimensions, the store {self._index.d}")

    def _remove(self, ids: set[str]) -> None:
        fids = [self._docs.pop(i)[0] for i in ids if i in self._docs]
        if fids:
            self._index.remove_ids(np.asarray(fids, dtype=np.int64))
            for fid in fids:
                del self._ids_by_fid[fid]

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool:
        """Delete these ids (unknown ids are ignored), or everything when ``ids`` is None."""
        with self._lock:
            if ids is None:
                self._index, self._docs, self._ids_by_fid = None, {}, {}
            else:
                self._remove(set(ids))
        return True

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """The stored documents with these ids, in the order asked; unknown ids are skipped."""
        with self._lock:
            return [_copy(self._docs[i][1]) for i in dict.fromkeys(ids) if i in self._docs]

    def similarity_search(
        self, query: str, k: int = 4, filter: Filter | None = None, **kwargs: Any
    ) -> list[Document]:
        """The ``k`` documents closest to the query, optionally only those passing ``filter``."""
        return [doc for doc, _ in self.similarity_search_with_score(query, k, filter=filter)]

    def similarity_search_with_score(
        self, query: str, k: int = 4, filter: Filter | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Like ``similarity_search`` with the cosine similarity of each document."""
        vector = self._embedding.embed_query(query)
        return self.similarity_search_with_score_by_vector(vector, k, filter=filter)

    def similarity_search_by_vector(
        self, embedding: list[float], k: int = 4, filter: Filter | None = None, **kwargs: Any
    ) -> list[Document]:
        """The ``k`` documents closest to a query vector."""
        hits = self.similarity_search_with_score_by_vector(embedding, k, filter=filter)
        return [doc for doc, _ in hits]

    def similarity_search_with_score_by_vector(
        self, embedding: Sequence[float] | np.ndarray, k: int = 4, filter: Filter | None = None
    ) -> list[tuple[Document, float]]:
        """(document, cosine similarity) pairs closest to a query vector, best first."""
        import faiss

        with self._lock:
            if self._index is None or k <= 0 or not self._docs:
                return []
            query = _unit_rows(np.asarray(embedding, dtype=np.float32).reshape(1, -1))
            params = None
            count = len(self._docs)
            if filter is not None:
                allowed = [fid for fid, doc in self._docs.values() if _matches(doc, filter)]
                if not allowed:
                    return []
                params = faiss.SearchParameters(
                    sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
                )
                count = len(allowed)
            scores, fids = self._index.search(query, min(k, count), params=params)
            return [
                (_copy(self._docs[self._ids_by_fid[int(f)]][1]), float(s))
                for f, s in zip(fids[0], scores[0], strict=True)
                if f >= 0
            ]

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        # Cosine similarity in [-1, 1] -> relevance in [0, 1].
        return lambda score: (score + 1.0) / 2.0

    def max_marginal_relevance_search_by_vector(
        self,
        embedding: list[float],
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        filter: Filter | None = None,
        **kwargs: Any,
    ) -> list[Document]:
        """Relevant yet diverse documents (maximal marginal relevance)."""
        hits = self.similarity_search_with_score_by_vector(embedding, fetch_k, filter=filter)
        if not hits:
            return []
        with self._lock:
            fids = np.asarray([self._docs[d.id][0] for d, _ in hits if d.id in self._docs])
            vectors = self._index.reconstruct_batch(fids) if len(fids) else np.zeros((0, 1))
        chosen = maximal_marginal_relevance(
            np.asarray(embedding, dtype=np.float32), vectors, lambda_mult=lambda_mult, k=k
        )
        return [hits[i][0] for i in chosen]

    def max_marginal_relevance_search(
        self,
        query: str,
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        filter: Filter | None = None,
        **kwargs: Any,
    ) -> list[Document]:
        """MMR search for a text query."""
        vector = self._embedding.embed_query(query)
        return self.max_marginal_relevance_search_by_vector(
            vector, k, fetch_k, lambda_mult, filter=filter
        )

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> ChunkVectorStore:
        """A new store holding these texts."""
        store = cls(embedding)
        store.add_texts(texts, metadatas, ids=ids)
        return store

    @classmethod
    def from_chunk_index(cls, index: ChunkIndex, embedding: Embeddings) -> ChunkVectorStore:
        """A store over a built chunk index, reusing its vectors (no re-embedding).

        Document ids are chunk ids, ``page_content`` the chunk text and the metadata the other
        chunk fields; :func:`chunk_from_document` turns a result back into a ``Chunk``.
        """
        embedder = getattr(embedding, "embedder", None)
        fingerprint = getattr(embedder, "fingerprint", None)
        if fingerprint is not None and fingerprint != index.manifest["model"]["fingerprint"]:
            raise IndexMismatchError(
                f"the index at {index.path} was built with another model than {embedding!r}; "
                "rebuild it with `profile-qa index --rebuild`"
            )
        store = cls(embedding)
        if index.chunks:
            store._add(
                [c.text for c in index.chunks],
                [{name: getattr(c, name) for name in _CHUNK_META} for c in index.chunks],
                [c.id for c in index.chunks],
                index.vectors(c.id for c in index.chunks),
            )
        return store

    def save(self, folder: Path) -> None:
        """Write the store to ``folder`` (replaced atomically); metadata must be JSON-ready."""
        import faiss

        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            with self._lock:
                rows = [(fid, i, d.page_content, d.metadata) for i, (fid, d) in self._docs.items()]
                _check_json(rows)
                write_documents(tmp / _DOCUMENTS, rows)
                files = {_DOCUMENTS: file_digest(tmp / _DOCUMENTS)}
                if self._index is not None:
                    faiss.write_index(self._index, str(tmp / _VECTORS))
                    files[_VECTORS] = file_digest(tmp / _VECTORS)
                manifest = {
                    "format_version": _FORMAT_VERSION,
                    "kind": "langchain-vectorstore",
                    "dimension": None if self._index is None else int(self._index.d),
                    "count": len(rows),
                    "next_id": self._next_fid,
                    "files": files,
                }
            (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            swap_in_dir(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, embedding: Embeddings) -> ChunkVectorStore:
        """A store written by :meth:`save` (IndexNotBuilt / IndexCorrupt errors otherwise)."""
        import faiss

        folder = readable_index_dir(Path(folder))
        manifest_path = folder / _MANIFEST
        if not manifest_path.is_file():
            raise IndexNotBuiltError(f"no saved vector store at {folder}")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            files = manifest["files"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorruptError(f"cannot read {manifest_path} ({exc})") from exc
        if manifest.get("format_version") != _FORMAT_VERSION:
            raise IndexMismatchError(f"{folder} is a vector store in another format; save it again")
        for name, recorded in files.items():
            path = folder / name
            if not path.is_file() or file_digest(path) != recorded:
                raise IndexCorruptError(f"{path} is missing or truncated; save the store again")
        store = cls(embedding)
        rows = read_documents(folder / _DOCUMENTS)
        if _VECTORS in files:
            try:
                store._index = faiss.read_index(str(folder / _VECTORS))
            except RuntimeError as exc:
                raise IndexCorruptError(f"cannot read {folder / _VECTORS} ({exc})") from exc
            if store._index.ntotal != len(rows):
                raise IndexCorruptError(f"{folder} holds vectors and documents that disagree")
        for fid, doc_id, text, metadata in rows:
            store._docs[doc_id] = (fid, Document(id=doc_id, page_content=text, metadata=metadata))
            store._ids_by_fid[fid] = doc_id
        store._next_fid = int(manifest.get("next_id", len(rows)))
        return store


def chunk_from_document(doc: Document) -> Chunk:
    """The ``Chunk`` behind a document returned by a store made with ``from_chunk_index``."""
    return Chunk(id=str(doc.id), text=doc.page_content, **{n: doc.metadata[n] for n in _CHUNK_META})


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {vectors.shape}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.where(norms > 0, norms, 1.0))


def _matches(doc: Document, filter: Filter) -> bool:
    if callable(filter):
        return bool(filter(doc))
    return all(key in doc.metadata and doc.metadata[key] == value for key, value in filter.items())


def _copy(doc: Document) -> Document:
    # Callers may mutate what they get back; the stored document must not change.
    return Document(id=doc.id, page_content=doc.page_content, metadata=dict(doc.metadata))


def _check_json(rows: Sequence[tuple[int, str, str, dict[str, Any]]]) -> None:
    for _, doc_id, _, metadata in rows:
        try:
            json.dumps(metadata)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"metadata of document {doc_id!r} cannot be saved as JSON: {exc}"
            ) from exc
