"""Keeping a server in step with a shared store (``store = "pgvector"``).

Every server over one database polls its index version (one indexed row, a fraction of a
millisecond) every ``store_poll_seconds``; when another process has indexed new articles it
loads the new snapshot and swaps the answerer in between requests, without a restart.
Polling, not LISTEN/NOTIFY: a server reading from a streaming standby cannot LISTEN.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from profile_qa.errors import ProfileQAError, StoreUnavailableError
from profile_qa.settings import Settings
from qa.retrieval import SearchIndex

if TYPE_CHECKING:
    from embeddings.base import Embedder
    from profile_qa.web.service import ChatService, ConfigurableAnswerer

log = logging.getLogger("profile_qa.web")


class SharedIndex(SearchIndex, Protocol):
    """What polling needs from a shared store's snapshot (``embeddings.pgstore``), besides
    what retrieval needs."""

    version: int

    def current_version(self) -> int: ...

    def reload(self, embedder: Embedder) -> SharedIndex: ...

    def close(self) -> None: ...

    def __len__(self) -> int: ...


class IndexRefresher:
    """A daemon thread that reloads ``service`` when the database's index version changes."""

    def __init__(
        self,
        service: ChatService,
        index: SharedIndex,
        embedder: Embedder,
        make_answerer: Callable[[Settings, SharedIndex], ConfigurableAnswerer],
        interval: float,
    ) -> None:
        self.service = service
        self.index = index
        self.embedder = embedder
        self.make_answerer = make_answerer
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="index-refresher", daemon=True)

    def start(self) -> IndexRefresher:
        """Start polling in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop polling (the loaded answerer keeps serving)."""
        self._stop.set()

    def close(self) -> None:
        """Stop polling and close the database connections (the server is shutting down)."""
        self.stop()
        self._thread.join(timeout=self.interval + 10)
        self.index.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check_once()
            except Exception:  # the next poll tries again; a dead thread would never reload
                log.exception("index refresh failed")

    def check_once(self) -> bool:
        """Poll once; True when a new index was loaded. Records whether the store is up."""
        try:
            version = self.index.current_version()
            if version == self.index.version:
                self.service.store_error = None
                return False
            fresh = self.index.reload(self.embedder)
        except StoreUnavailableError as exc:
            if self.service.store_error is None:
                log.warning("%s; answering 503 until it is back", exc)
            self.service.store_error = str(exc)
            return False
        except ProfileQAError as exc:  # e.g. rebuilt with another model: keep the old one
            log.error("the shared index changed but cannot be used here: %s", exc)
            return False
        self.service.store_error = None

        answerer = self.make_answerer(self.service.settings, fresh)
        self.service.swap(answerer, fresh.chunks, answerer.with_settings)
        log.info(
            "index version %d -> %d: %d chunks now", self.index.version, fresh.version, len(fresh)
        )
        self.index = fresh
        return True
