"""Opening and searching a built chunk index (a directory: vectors, chunk store, manifest).

faiss is imported inside functions so that importing this module stays cheap for the CLI.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus.model import Chunk
from embeddings._atomic import MANIFEST_FILE, fsync_file, readable_index_dir
from embeddings.base import Embedder
from embeddings.store import read_chunks, read_metadata, write_chunks
from embeddings.table import ChunkTable, as_query
from profile_qa.errors import IndexCorruptError, IndexMismatchError, IndexNotBuiltError
from profile_qa.settings import Settings

if TYPE_CHECKING:
    import faiss

FORMAT_VERSION = 1
VECTORS_FILE = "vectors.faiss"
CHUNKS_FILE = "chunks.sqlite3"
REBUILD_HINT = "rebuild it with `profile-qa index --rebuild`"
# Below this many candidates a filtered search scores them all exactly instead of over-fetching.
_EXACT_FILTER_LIMIT = 4096


def chunker_version() -> str:
    """The chunker's version string, stored so that a changed chunker forces a rebuild."""
    import corpus

    return str(getattr(corpus, "CHUNKER_VERSION", "unversioned"))


def expected_identity(settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """What the manifest must record for an index to be usable with these settings/model."""
    return {
        "format_version": FORMAT_VERSION,
        "model": {
            "id": embedder.model_id,
            "fingerprint": embedder.fingerprint,
            "dimension": int(embedder.dimension),
        },
        "chunker": {
            "chunk_size": settings.chunk_size,
            "chunk_overlap_sentences": settings.chunk_overlap_sentences,
            "version": chunker_version(),
        },
    }


def file_digest(path: Path) -> dict[str, Any]:
    """Size and sha256 of a file, as recorded in the manifest."""
    sha = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
    return {"bytes": path.stat().st_size, "sha256": sha.hexdigest()}


class ChunkIndex(ChunkTable):
    """A loaded index: chunks in a stable order, their vectors in faiss, and the manifest.

    Row ``i`` of ``chunks`` is faiss id ``i``. ``upsert``/``delete``/``save`` edit it in
    memory and write it back in the same directory format (``embeddings.index_edit``): the
    LangChain ``ChunkVectorStore`` is built on them. ``metadata`` holds what a caller attached
    to a chunk beyond its fields (LangChain document metadata); a built index has none.
    """

    def __init__(
        self,
        path: Path,
        manifest: dict[str, Any],
        chunks: list[Chunk],
        faiss_index: faiss.Index | None,
        metadata: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.path = path
        # faiss's own stubs miss most of the API; None only while an edit has added no vector.
        self._index: Any = faiss_index
        self.metadata = metadata or {}
        super().__init__(manifest, chunks)

    def _set_chunks(self, chunks: list[Chunk]) -> None:
        super()._set_chunks(chunks)
        self._rows_by_subject: dict[str, list[int]] = {}
        for row, c in enumerate(chunks):
            self._rows_by_subject.setdefault(c.subject, []).append(row)

    def upsert(
        self,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        metadata: Sequence[dict[str, Any] | None] | None = None,
    ) -> None:
        """Add chunks with their vectors; a stored id is replaced, the last one given wins."""
        from embeddings.index_edit import upsert

        upsert(self, chunks, vectors, metadata)

    def delete(self, chunk_ids: Iterable[str]) -> None:
        """Remove these chunks (unknown ids are ignored)."""
        from embeddings.index_edit import delete

        delete(self, chunk_ids)

    def save(self, folder: Path) -> None:
        """Write the index to ``folder`` (replaced atomically), readable by ``load_index_dir``."""
        from embeddings.index_edit import save

        save(self, folder)

    @property
    def index_type(self) -> str:
        """The faiss structure actually built: flat, hnsw or ivf."""
        return str(self.manifest["index"]["type"])

    def vector(self, chunk_id: str) -> np.ndarray:
        """The stored (unit-length) vector of one chunk."""
        vector: np.ndarray = self._index.reconstruct(self._row_by_id[chunk_id])
        return vector

    def vectors(self, chunk_ids: Iterable[str]) -> np.ndarray:
        """Stored vectors of these chunks, shape (n, dimension): reused by updates."""
        return self._rows_vectors(self._row_by_id[cid] for cid in chunk_ids)

    def _rows_vectors(self, rows: Iterable[int]) -> np.ndarray:
        ids = np.fromiter(rows, dtype=np.int64)
        if ids.size == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors: np.ndarray = self._index.reconstruct_batch(ids)
        return vectors

    def search(
        self,
        query_vector: np.ndarray,
        k: int,
        article_id: str | None = None,
        subject: str | None = None,
        only: Collection[str] | None = None,
    ) -> list[tuple[Chunk, float]]:
        """The ``k`` chunks closest to the query (inner product), best first, optionally
        only those of one article and/or one subject and/or with ids in ``only``."""
        if k <= 0 or not self.chunks:
            return []
        query = as_query(query_vector, self.dimension)
        allowed = self._allowed_rows(article_id, subject)
        if only is not None:
            picked = {self._row_by_id[i] for i in only if i in self._row_by_id}
            allowed = picked if allowed is None else allowed & picked
        if allowed is None:
            hits = self._faiss_search(query, min(k, len(self.chunks)))
        elif len(allowed) <= _EXACT_FILTER_LIMIT:
            rows = np.fromiter(sorted(allowed), dtype=np.int64)
            scores = self._rows_vectors(rows) @ query[0]
            order = np.argsort(-scores, kind="stable")[:k]
            hits = [(int(rows[i]), float(scores[i])) for i in order]
        else:
            hits = self._over_fetch(query, k, allowed)
        return [(self.chunks[row], score) for row, score in hits]

    def _allowed_rows(self, article_id: str | None, subject: str | None) -> set[int] | None:
        allowed: set[int] | None = None
        if article_id is not None:
            allowed = set(self._rows_by_article.get(article_id, ()))
        if subject is not None:
            rows = set(self._rows_by_subject.get(subject, ()))
            allowed = rows if allowed is None else allowed & rows
        return allowed

    def _faiss_search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        scores, rows = self._index.search(query, k)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def _over_fetch(self, query: np.ndarray, k: int, allowed: set[int]) -> list[tuple[int, float]]:
        # Approximate structures lose recall when filtering inside the graph, so fetch more
        # than needed and filter afterwards, widening until enough remain.
        fetch = k * max(4, len(self.chunks) // max(1, len(allowed)))
        while True:
            fetch = min(fetch, len(self.chunks))
            hits = [(r, s) for r, s in self._faiss_search(query, fetch) if r in allowed]
            if len(hits) >= k or fetch == len(self.chunks):
                return hits[:k]
            fetch *= 4


def write_index_files(
    folder: Path,
    faiss_index: Any,
    chunks: Sequence[Chunk],
    metadata: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """The vectors (unless there are none yet) and the chunk store written into ``folder`` and
    synced; each file's digest by name, for the manifest's ``files``."""
    import faiss

    names = []
    if faiss_index is not None:
        faiss.write_index(faiss_index, str(folder / VECTORS_FILE))
        names.append(VECTORS_FILE)
    write_chunks(folder / CHUNKS_FILE, chunks, metadata)
    names.append(CHUNKS_FILE)
    for name in names:
        fsync_file(folder / name)
    return {name: file_digest(folder / name) for name in names}


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """The manifest written last into ``folder`` (it names the other files' digests)."""
    path = folder / MANIFEST_FILE
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    fsync_file(path)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The parsed manifest of an index directory (NotBuilt / Corrupt errors otherwise)."""
    path = index_dir / MANIFEST_FILE
    if not path.is_file():
        if index_dir.is_dir() and any(index_dir.iterdir()):
            raise IndexCorruptError(f"{path} is missing; {REBUILD_HINT}")
        raise IndexNotBuiltError(f"no index at {index_dir}: run `profile-qa index` to build it")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
        for key in ("format_version", "model", "chunker", "index", "articles", "files"):
            if key not in manifest:
                raise ValueError(f"no {key!r} entry")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise IndexCorruptError(f"cannot read {path} ({exc}); {REBUILD_HINT}") from exc
    return manifest


def check_manifest(
    manifest: dict[str, Any], settings: Settings, embedder: Embedder, index_dir: Path
) -> None:
    """IndexMismatchError if the index was built with another model or chunker settings."""
    expected = expected_identity(settings, embedder)
    problems = []
    if manifest["format_version"] != FORMAT_VERSION:
        problems.append(
            f"index format {manifest['format_version']!r}, this version reads {FORMAT_VERSION}"
        )
    for section in ("model", "chunker"):
        for key, want in expected[section].items():
            got = manifest[section].get(key)
            if got != want:
                problems.append(f"{section} {key}: index has {got!r}, settings want {want!r}")
    if problems:
        raise IndexMismatchError(
            f"the index at {index_dir} was built differently ({'; '.join(problems)}); "
            "rebuild it with `profile-qa index --rebuild`"
        )


def open_index(settings: Settings, embedder: Embedder) -> ChunkIndex:
    """Load the index at ``settings.index_dir``, checked against the settings and model.

    With ``store = "pgvector"`` the index in ``settings.database_url`` (same interface).
    """
    if settings.store == "pgvector":
        from embeddings.pgstore import open_pg_index

        return open_pg_index(settings, embedder)  # type: ignore[return-value]
    index_dir = readable_index_dir(settings.index_dir)
    manifest = read_manifest(index_dir)
    check_manifest(manifest, settings, embedder, index_dir)
    return load_index_dir(index_dir, manifest)


def load_index_dir(index_dir: Path, manifest: dict[str, Any]) -> ChunkIndex:
    """Read the vectors and chunks of an index directory whose manifest is already checked."""
    import faiss

    # An edited index saved before its first vector (no dimension yet) has no vectors file.
    empty = manifest["model"].get("dimension") is None
    for name in (CHUNKS_FILE,) if empty else (VECTORS_FILE, CHUNKS_FILE):
        path = index_dir / name
        recorded = manifest["files"].get(name, {})
        if not path.is_file():
            raise IndexCorruptError(f"{path} is missing; {REBUILD_HINT}")
        if file_digest(path) != recorded:
            raise IndexCorruptError(
                f"{path} does not match the manifest (truncated or modified); {REBUILD_HINT}"
            )
    chunks = read_chunks(index_dir / CHUNKS_FILE)
    metadata = read_metadata(index_dir / CHUNKS_FILE)
    if empty:
        if chunks:
            raise IndexCorruptError(f"{index_dir} holds chunks but no vectors; {REBUILD_HINT}")
        return ChunkIndex(index_dir, manifest, chunks, None, metadata)
    vectors_path = index_dir / VECTORS_FILE
    try:
        faiss_index = faiss.read_index(str(vectors_path))
    except RuntimeError as exc:
        raise IndexCorruptError(f"cannot read {vectors_path} ({exc}); {REBUILD_HINT}") from exc
    if faiss_index.ntotal != len(chunks) or faiss_index.d != manifest["model"]["dimension"]:
        raise IndexCorruptError(
            f"{vectors_path} holds {faiss_index.ntotal} vectors of dimension {faiss_index.d} "
            f"for {len(chunks)} chunks; {REBUILD_HINT}"
        )
    _check_chunk_ids(manifest, chunks, index_dir)
    apply_search_params(faiss_index, manifest["index"].get("params", {}))
    return ChunkIndex(index_dir, manifest, chunks, faiss_index, metadata)


def _check_chunk_ids(manifest: dict[str, Any], chunks: list[Chunk], index_dir: Path) -> None:
    """IndexCorruptError unless the manifest lists exactly the chunks the store holds."""
    listed: list[str] = []
    for entry in manifest["articles"].values():
        listed.extend(entry.get("chunk_ids", []) if isinstance(entry, dict) else [])
    stored = [c.id for c in chunks]
    if sorted(listed) == sorted(stored):
        return
    missing = sorted(set(stored) - set(listed))
    extra = sorted(set(listed) - set(stored))
    details = []
    if missing:
        details.append(f"{len(missing)} stored chunk(s) not in the manifest, e.g. {missing[0]}")
    if extra:
        details.append(f"{len(extra)} listed chunk(s) not in the store, e.g. {extra[0]}")
    if not details:
        details.append("duplicate chunk ids")
    raise IndexCorruptError(
        f"the manifest and the chunk store of {index_dir} disagree ({'; '.join(details)}); "
        f"{REBUILD_HINT}"
    )


def apply_search_params(faiss_index: faiss.Index, params: dict[str, Any]) -> None:
    """Set query-time knobs (efSearch, nprobe) that faiss files do not keep."""
    if "ef_search" in params and hasattr(faiss_index, "hnsw"):
        faiss_index.hnsw.efSearch = int(params["ef_search"])
    if "nprobe" in params and hasattr(faiss_index, "nprobe"):
        faiss_index.nprobe = int(params["nprobe"])
