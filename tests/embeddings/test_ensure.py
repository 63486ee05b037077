"""ensure_index: who builds an index for the user, and when they are told to --rebuild."""

from __future__ import annotations

import pytest

from embeddings import ensure_index
from embeddings.fake import HashingEmbedder
from profile_qa.errors import IndexMismatchError
from profile_qa.settings import Settings


def test_a_missing_index_is_built_and_the_user_told(settings: Settings) -> None:
    notes: list[str] = []
    index = ensure_index(settings, HashingEmbedder(), notify=notes.append)
    assert len(index.chunks) > 0
    assert notes and "building it now" in notes[0]


def test_a_stale_index_is_rebuilt_only_when_allowed(settings: Settings) -> None:
    ensure_index(settings, HashingEmbedder(64), notify=lambda _: None)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        ensure_index(settings, HashingEmbedder(128))
    index = ensure_index(settings, HashingEmbedder(128), rebuild_stale=True, notify=lambda _: None)
    assert index.dimension == 128
