"""A LangChain ``VectorStore`` over the product's own ``ChunkIndex``: cosine similarity,
upsert by id, metadata filters, save/load in the index's directory format.

Every document is a ``Chunk`` row of a ``ChunkIndex`` (its metadata fills the chunk fields it
names and is kept as given), so adding, deleting, searching and saving run through the same
faiss wrapper and files as the product's index (``embeddings.index``, ``index_edit``), and
the langchain-tests standard suite exercises that code. ``from_chunk_index`` exposes a built
index to LangChain retrievers without re-embedding anything.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore
from langchain_core.vectorstores.utils import maximal_marginal_relevance

from corpus.model import Chunk
from embeddings._atomic import MANIFEST_FILE, readable_index_dir
from embeddings.index import FORMAT_VERSION, ChunkIndex, load_index_dir, read_manifest
from embeddings.index_edit import new_index
from profile_qa.errors import IndexMismatchError, IndexNotBuiltError

Filter = dict[str, Any] | Callable[[Document], bool]
_FIELDS = {f.name: f.type for f in dataclasses.fields(Chunk) if f.name not in ("id", "text")}
_CHUNK_META = tuple(_FIELDS)


class EditableIndex(Protocol):
    """What the adapter needs of an index: ``ChunkIndex`` and ``PgChunkIndex`` both have it."""

    chunks: list[Chunk]
    metadata: dict[str, dict[str, Any]]

    def __len__(self) -> int: ...
    def __contains__(self, chunk_id: object) -> bool: ...
    def chunk(self, chunk_id: str) -> Chunk: ...
    def vectors(self, chunk_ids: Iterable[str]) -> np.ndarray: ...
    def search(
        self, query_vector: np.ndarray, k: int, *, only: Collection[str] | None = None
    ) -> list[tuple[Chunk, float]]: ...
    def upsert(
        self,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        metadata: Sequence[dict[str, Any] | None] | None = None,
    ) -> None: ...
    def delete(self, chunk_ids: Iterable[str]) -> None: ...


class IndexVectorStore(VectorStore):
    """A LangChain vector store over one of the product's indexes (documents are chunks);
    scores are cosine similarities. ``ChunkVectorStore`` (faiss files) and ``PgVectorStore``
    (PostgreSQL) differ only in how they open and keep their index."""

    def __init__(self, embedding: Embeddings, index: EditableIndex) -> None:
        self._embedding = embedding
        self.index = index
        self._lock = threading.RLock()  # async methods run the sync ones in worker threads

    @property
    def embeddings(self) -> Embeddings:
        """The LangChain Embeddings this store embeds queries and texts with."""
        return self._embedding

    def __len__(self) -> int:
        return len(self.index)

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
        final = [i or uuid.uuid4().hex for i in ids] if ids else [uuid.uuid4().hex for _ in texts]
        metas = [dict(m) for m in metadatas] if metadatas else [{} for _ in texts]
        vectors = np.asarray(self._embedding.embed_documents(texts), dtype=np.float32)
        chunks = [_chunk(i, t, m) for i, t, m in zip(final, texts, metas, strict=True)]
        with self._lock:
            self.index.upsert(chunks, vectors, metas)
        return final

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool:
        """Delete these ids (unknown ids are ignored), or everything when ``ids`` is None."""
        with self._lock:
            self._refresh()
            self.index.delete([c.id for c in self.index.chunks] if ids is None else ids)
        return True

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """The stored documents with these ids, in the order asked; unknown ids are skipped."""
        with self._lock:
            self._refresh()
            return [self._document(self.index.chunk(i)) for i in dict.fromkeys(ids) if i in self]

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and doc_id in self.index

    def _refresh(self) -> None:
        """Catch up with other writers before a read (a shared store's hook; files: none)."""

    def _document(self, chunk: Chunk) -> Document:
        # A fresh dict each time: callers may mutate what they get back.
        meta = self.index.metadata.get(chunk.id)
        if meta is None:  # a chunk of a built index: its fields are the metadata
            meta = {name: getattr(chunk, name) for name in _CHUNK_META}
        return Document(id=chunk.id, page_content=chunk.text, metadata=dict(meta))

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
        with self._lock:
            self._refresh()
            if k <= 0 or not len(self.index):
                return []
            only = None
            if filter is not None:
                only = [c.id for c in self.index.chunks if _matches(self._document(c), filter)]
            query = np.asarray(embedding, dtype=np.float32)
            hits = self.index.search(query, k, only=only)
            return [(self._document(chunk), score) for chunk, score in hits]

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
        with self._lock:
            hits = self.similarity_search_with_score_by_vector(embedding, fetch_k, filter=filter)
            if not hits:
                return []
            vectors = self.index.vectors(str(doc.id) for doc, _ in hits)
        chosen = maximal_marginal_relevance(
            np.asarray(embedding, dtype=np.float32), vectors.tolist(), lambda_mult=lambda_mult, k=k
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


class ChunkVectorStore(IndexVectorStore):
    """The LangChain vector store over a faiss ``ChunkIndex``, saved in its directory format."""

    index: ChunkIndex

    def __init__(self, embedding: Embeddings, index: ChunkIndex | None = None) -> None:
        if index is None:
            embedder = getattr(embedding, "embedder", None)
            model_id = str(getattr(embedder, "model_id", type(embedding).__name__))
            index = new_index(Path("(unsaved vector store)"), model_id)
        super().__init__(embedding, index)

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
        """A store over a built chunk index, searching its vectors (no re-embedding).

        Document ids are chunk ids, ``page_content`` the chunk text and the metadata the other
        chunk fields; :func:`chunk_from_document` turns a result back into a ``Chunk``. Adds
        and deletes through the store edit this index in memory (its files only on ``save``).
        """
        embedder = getattr(embedding, "embedder", None)
        fingerprint = getattr(embedder, "fingerprint", None)
        if fingerprint is not None and fingerprint != index.manifest["model"]["fingerprint"]:
            raise IndexMismatchError(
                f"the index at {index.path} was built with another model than {embedding!r}; "
                "rebuild it with `profile-qa index --rebuild`"
            )
        return cls(embedding, index)

    def save(self, folder: Path) -> None:
        """Write the store to ``folder`` (replaced atomically); metadata must be JSON-ready."""
        with self._lock:
            self.index.save(Path(folder))

    @classmethod
    def load(cls, folder: Path, embedding: Embeddings) -> ChunkVectorStore:
        """A store written by :meth:`save` (IndexNotBuilt / IndexCorrupt errors otherwise)."""
        folder = readable_index_dir(Path(folder))
        if not (folder / MANIFEST_FILE).is_file():
            raise IndexNotBuiltError(f"no saved vector store at {folder}")
        manifest = read_manifest(folder)
        if manifest["format_version"] != FORMAT_VERSION:
            raise IndexMismatchError(f"{folder} is a vector store in another format; save it again")
        return cls(embedding, load_index_dir(folder, manifest))


def chunk_from_document(doc: Document) -> Chunk:
    """The ``Chunk`` behind a document returned by a store made with ``from_chunk_index``."""
    return Chunk(id=str(doc.id), text=doc.page_content, **{n: doc.metadata[n] for n in _CHUNK_META})


def _matches(doc: Document, filter: Filter) -> bool:
    if callable(filter):
        return bool(filter(doc))
    return all(key in doc.metadata and doc.metadata[key] == value for key, value in filter.items())


def _chunk(doc_id: str, text: str, metadata: dict[str, Any]) -> Chunk:
    """The index row for a document: metadata values of the right type fill chunk fields."""
    values: dict[str, Any] = {}
    for name, kind in _FIELDS.items():
        value = metadata.get(name)
        if kind in ("int", int):
            ok = isinstance(value, int) and not isinstance(value, bool)
            values[name] = value if ok else (len(text) if name == "end" else 0)
        else:
            values[name] = value if isinstance(value, str) else ""
    return Chunk(id=doc_id, text=text, **values)
