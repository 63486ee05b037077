"""The BM25 token cache: a restart reads the tokens back instead of cutting every chunk again."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.model import Chunk
from qa.knowledge import KnowledgeBase
from qa.tokens import TokenCache

TEXTS = ["武汉市经信局协调捐赠MPV50辆。", "三奇口罩日产量提高到350万只", "", "依文集团成立于1994年"]


class Cutter:
    """jieba-like cutting that counts its calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, text: str) -> list[str]:
        self.calls.append(text)
        return list(text)


def test_a_second_start_reads_the_tokens_back(tmp_path: Path) -> None:
    first, second = Cutter(), Cutter()
    tokens = TokenCache(tmp_path, "lexicon-a").tokens(TEXTS, first)
    assert tokens == [list(t) for t in TEXTS] and len(first.calls) == len(TEXTS)
    assert TokenCache(tmp_path, "lexicon-a").tokens(TEXTS, second) == tokens
    assert second.calls == []


def test_a_new_article_is_cut_and_a_new_lexicon_starts_afresh(tmp_path: Path) -> None:
    TokenCache(tmp_path, "lexicon-a").tokens(TEXTS, Cutter())
    cut = Cutter()
    TokenCache(tmp_path, "lexicon-a").tokens([*TEXTS, "新文章"], cut)
    assert cut.calls == ["新文章"]
    cut = Cutter()
    TokenCache(tmp_path, "lexicon-b").tokens(TEXTS, cut)
    assert len(cut.calls) == len(TEXTS)
    assert [p.name for p in tmp_path.glob("*.npz")] == ["lexicon-b.npz"]


def test_a_damaged_cache_is_rebuilt_not_fatal(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path, "lexicon-a")
    cache.tokens(TEXTS, Cutter())
    assert cache.path is not None
    cache.path.write_bytes(b"not a cache")
    cut = Cutter()
    assert TokenCache(tmp_path, "lexicon-a").tokens(TEXTS, cut) == [list(t) for t in TEXTS]
    assert len(cut.calls) == len(TEXTS)


def test_an_unwritable_folder_only_costs_time(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    folder = tmp_path / "a-file" / "tokens"  # cannot be created, even by root
    assert TokenCache(folder, "x").tokens(TEXTS, Cutter()) == [list(t) for t in TEXTS]


@pytest.mark.parametrize("token", ["a\x1fb", "c\x1ed"])
def test_a_token_holding_a_separator_is_never_cached_wrongly(tmp_path: Path, token: str) -> None:
    def cut(text: str) -> list[str]:
        return [token, text]

    TokenCache(tmp_path, "x").tokens(["甲", "乙"], cut)
    assert TokenCache(tmp_path, "x").tokens(["甲", "乙"], cut) == [[token, "甲"], [token, "乙"]]


def test_the_knowledge_base_cuts_the_same_with_and_without_the_cache(
    seed_chunks: list[Chunk], tmp_path: Path
) -> None:
    plain = KnowledgeBase(seed_chunks).lexical.chunk_tokens
    assert KnowledgeBase(seed_chunks, token_cache=tmp_path).lexical.chunk_tokens == plain
    assert KnowledgeBase(seed_chunks, token_cache=tmp_path).lexical.chunk_tokens == plain
    assert len(list(tmp_path.glob("*.npz"))) == 1
