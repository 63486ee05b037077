"""Chunk tokens for BM25, kept on disk so that a restart does not cut every chunk again.

Over a big corpus jieba is most of the start-up (60,000 chunks: ~45 s of ~57 s). Tokens depend
only on the text and the lexicon (jieba's dictionary plus the corpus' names), so they are saved
to ``<data_dir>/tokens/<lexicon fingerprint>.npz``, keyed by a hash of the text. A lexicon that
changes (an article brings a new name) starts a new file; files of other lexicons are removed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from qa.npzcache import array_keys, keys_array, text_key, write_npz

log = logging.getLogger(__name__)

_TOKEN_SEP, _TEXT_SEP = "\x1f", "\x1e"


class TokenCache:
    """``tokens(texts, cut)`` -> ``cut(text)`` for each text, from disk when already known."""

    def __init__(self, folder: Path | None, fingerprint: str) -> None:
        self.path = folder / f"{fingerprint[:24]}.npz" if folder is not None else None
        self._rows: dict[bytes, list[str]] = {}
        self._load()

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            with np.load(self.path) as data:
                keys, blob = data["keys"], data["blob"]
            texts = blob.tobytes().decode("utf-8").split(_TEXT_SEP)
            if len(texts) != len(keys):
                raise ValueError(f"{len(keys)} keys for {len(texts)} token lists")
            self._rows = {
                k: (t.split(_TOKEN_SEP) if t else [])
                for k, t in zip(array_keys(keys), texts, strict=True)
            }
        except (OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
            # A damaged cache costs one re-tokenisation, never the start.
            log.warning("token cache %s unreadable, rebuilding: %s", self.path, exc)
            self._rows = {}

    def tokens(self, texts: Sequence[str], cut: Callable[[str], list[str]]) -> list[list[str]]:
        """The tokens of each text; new ones are cut and the cache saved once at the end."""
        out: list[list[str]] = []
        keys = [text_key(t) for t in texts]
        wanted = set(keys)
        added = False
        for key, text in zip(keys, texts, strict=True):
            found = self._rows.get(key)
            if found is None:
                found = cut(text)
                # A token holding a separator could not be read back: such a text is cut again.
                if not any(_TOKEN_SEP in t or _TEXT_SEP in t for t in found):
                    self._rows[key] = found
                    added = True
            out.append(found)
        if added or len(self._rows) > len(wanted):
            # Keep only this corpus' texts: removed articles do not grow the file forever.
            self._rows = {k: v for k, v in self._rows.items() if k in wanted}
            self._save()
        return out

    def _save(self) -> None:
        if self.path is None:
            return
        joined = _TEXT_SEP.join(_TOKEN_SEP.join(t) for t in self._rows.values())
        blob = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
        try:
            write_npz(self.path, keys=keys_array(self._rows), blob=blob)
            for other in self.path.parent.glob("*.npz"):
                if other != self.path:
                    other.unlink(missing_ok=True)
        except OSError as exc:  # a read-only data folder only costs start-up time
            log.warning("cannot save the token cache to %s: %s", self.path, exc)
