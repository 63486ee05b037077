"""Where ``eval --articles DIR`` keeps the index of a folder it evaluates.

Each folder gets its own index under ``data_dir/eval-indexes/<folder slug>-<files hash>/``, so a
benchmark's articles never mix with the product's index or with another benchmark's, and a
second run on the same folder reuses (and incrementally updates) what the first one built.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from profile_qa.settings import Settings

if TYPE_CHECKING:
    from embeddings.base import Embedder
    from embeddings.index import ChunkIndex

EVAL_INDEXES = "eval-indexes"


def index_key(articles_dir: Path) -> str:
    """A readable folder name for an articles folder's index: slug plus a hash of its files.

    The slug is the last two path parts (benchmarks are all ``<set>/articles``). The hash is of
    the folder's file names and sizes, not of its path, so a copy of the same folder (a fresh
    clone, CI's copy of the benchmarks) reuses the index built for it, while two folders with
    other files get two indexes; edits of the same size are caught by the build's per-article
    hashes. A folder that does not exist (yet) is keyed by its path.
    """
    resolved = Path(articles_dir).resolve()
    slug = "-".join(p for p in resolved.parts[-2:] if p not in ("/", ""))
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", slug).strip("-._")[:48] or "articles"
    h = hashlib.sha256()
    if resolved.is_dir():
        for f in sorted(p for p in resolved.rglob("*") if p.is_file()):
            h.update(f"{f.relative_to(resolved).as_posix()}\0{f.stat().st_size}\n".encode())
    else:
        h.update(str(resolved).encode("utf-8"))
    return f"{slug}-{h.hexdigest()[:10]}"


def eval_index_settings(settings: Settings, articles_dir: Path) -> Settings:
    """Settings whose ``articles_dir``/``index_dir`` are the folder and its own eval index.

    Only the index moves: load the embedder with the original settings so the converted
    model is shared, not unpacked again under the eval index's data directory.
    """
    resolved = Path(articles_dir).resolve()
    data_dir = Path(settings.data_dir) / EVAL_INDEXES / index_key(resolved)
    return settings.replace(articles_dir=resolved, data_dir=data_dir)


def ensure_eval_index(
    settings: Settings,
    embedder: Embedder,
    articles_dir: Path,
    progress: bool = False,
    notify: Callable[[str], None] | None = None,
) -> tuple[Settings, ChunkIndex]:
    """Build or incrementally update the folder's eval index, then open it.

    ``build_index`` embeds only new and changed articles and returns at once when the index
    is up to date, so a benchmark folder is embedded once per machine (per data directory).
    An index built with another model or chunker is rebuilt without asking.
    """
    from embeddings import build_index, open_index
    from profile_qa.errors import IndexMismatchError

    index_settings = eval_index_settings(settings, articles_dir)
    try:
        report = build_index(index_settings, embedder, progress=progress)
    except IndexMismatchError as exc:
        # An eval index is a cache nobody edits: another model or chunker means rebuild it.
        if notify is not None:
            notify(f"{exc}; rebuilding it")
        report = build_index(index_settings, embedder, rebuild=True, progress=progress)
    if report.written and notify is not None:
        notify(
            f"indexed {index_settings.articles_dir}: {report.embedded_chunks} chunks embedded "
            f"in {report.seconds:.0f}s ({index_settings.index_dir})"
        )
    return index_settings, open_index(index_settings, embedder)
