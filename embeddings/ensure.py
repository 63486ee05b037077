"""Open the configured index, building it first when it is missing (or stale, if asked).

The one place the CLI, the eval runner and the web server share, so they agree on when an
index is built for the user and when they stop and say ``profile-qa index --rebuild``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from embeddings.base import Embedder
from embeddings.index import ChunkIndex
from profile_qa.errors import IndexMismatchError, IndexNotBuiltError
from profile_qa.settings import Settings

log = logging.getLogger(__name__)


def ensure_index(
    settings: Settings,
    embedder: Embedder,
    *,
    rebuild_stale: bool = False,
    progress: bool = False,
    notify: Callable[[str], None] | None = None,
) -> ChunkIndex:
    """The index for ``settings``: built first if missing, rebuilt if stale and allowed.

    A stale index (another model or chunker) raises IndexMismatchError unless
    ``rebuild_stale``: rebuilding costs minutes, so only a server starting up does it unasked.
    """
    from embeddings.build import build_index
    from embeddings.index import open_index

    try:
        return open_index(settings, embedder)
    except IndexNotBuiltError as exc:
        reason, rebuild = str(exc), False
    except IndexMismatchError as exc:
        # A shared database serves other servers too: one started with another model must
        # not rebuild it under them; `profile-qa index --rebuild` is a decision for a person.
        if not rebuild_stale or settings.store == "pgvector":
            raise
        # A mismatched index cannot be updated in place.
        reason, rebuild = str(exc), True
    (notify or log.warning)(
        f"index not usable ({reason}); building it now from {settings.articles_dir} ..."
    )
    if settings.store == "pgvector":
        return _build_shared(settings, embedder, progress, notify)
    build_index(settings, embedder, rebuild=rebuild, progress=progress)
    return open_index(settings, embedder)


def _build_shared(
    settings: Settings,
    embedder: Embedder,
    progress: bool,
    notify: Callable[[str], None] | None,
) -> ChunkIndex:
    """Build the shared index, or wait while another server builds it (both started at once
    on an empty database): whoever holds the lock builds, the others open the result."""
    import time

    from embeddings._atomic import IndexBusyError
    from embeddings.build import build_index
    from embeddings.index import open_index

    told = False
    while True:
        try:
            build_index(settings, embedder, progress=progress)
        except IndexBusyError:
            if not told:
                (notify or log.warning)("another process is building the shared index; waiting")
                told = True
            time.sleep(_WAIT_SECONDS)
            try:
                return open_index(settings, embedder)
            except IndexNotBuiltError:
                continue
        return open_index(settings, embedder)


_WAIT_SECONDS = 2.0
