"""Scoring functions on real sentences from the seed articles, with hand-computed numbers."""

from __future__ import annotations

import pytest

from eval.metrics import (
    answer_key,
    char_f1,
    first_hit_rank,
    missing_strings,
    percentile,
)
from tests.eval._fakes import SQ_TEXT, WH_TEXT


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("350萬隻", "350万只"),  # Traditional -> Simplified
        ("３５０万只", "350万只"),  # full-width digits
        ("负压救护车329辆[1]。", "负压救护车329辆"),  # citation marker and punctuation
        ("负压救护车329辆【2】", "负压救护车329辆"),
        ("MPV 50 辆，", "mpv50辆"),
        ("“5+2”“7×24”", "5+27×24"),  # symbols are kept, quotes dropped
    ],
)
def test_answer_key_ignores_width_script_markers_and_punctuation(text: str, key: str) -> None:
    assert answer_key(text) == key


@pytest.mark.parametrize(
    ("answer", "must", "missing"),
    [
        ("口罩从日产50万只提高到350万只[1]。", ["350万只"], ()),
        ("口罩從日產50萬隻提高到350萬隻。", ["350万只"], ()),
        ("口罩提高到３５０万只", ["350万只"], ()),
        ("口罩日产50万只", ["350万只"], ("350万只",)),
        ("协调捐赠（采购）负压救护车329辆、MPV50辆", ["329辆", "50辆"], ()),
        ("The bureau coordinated 50 MPVs [1].", ["50"], ()),
        ("依文集团成立于1994年[1]", ["1994年", "13000名"], ("13000名",)),
        ("", ["59天"], ("59天",)),
    ],
)
def test_missing_strings(answer: str, must: list[str], missing: tuple[str, ...]) -> None:
    assert missing_strings(answer, must) == missing


@pytest.mark.parametrize(
    ("prediction", "reference", "f1"),
    [
        ("350万只", "350万只", 1.0),
        ("日产350万只", "350万只", 2 * (5 / 7) / (5 / 7 + 1)),
        ("329辆[1]。", "329辆", 1.0),
        ("50辆", "329辆", 2 * (1 / 3 * 1 / 4) / (1 / 3 + 1 / 4)),
        ("三百五十萬隻", "三百五十万只", 1.0),
        ("", "59天", 0.0),
        ("。", "", 1.0),
    ],
)
def test_char_f1(prediction: str, reference: str, f1: float) -> None:
    assert char_f1(prediction, reference) == pytest.approx(f1)


@pytest.mark.parametrize(
    ("evidence", "rank"),
    [
        (["口罩从日产50万只提高到350万只"], 2),
        (["协调捐赠(采购)负压救护车329辆"], 1),  # raw ASCII brackets vs cleaned full-width
        (["调拨调配防\n\n护服4万多套"], 1),  # raw page break mid-word
        (["没有这句话", "三奇共支援武汉、北京等相关地区口罩1.35亿只"], 2),  # any evidence counts
        (["夏昆山连续59天奋战在保障生产第一线"], None),
    ],
)
def test_first_hit_rank_matches_raw_evidence_in_cleaned_chunks(
    evidence: list[str], rank: int | None
) -> None:
    assert first_hit_rank([WH_TEXT, SQ_TEXT], evidence) == rank


def test_first_hit_rank_takes_the_best_ranked_passage() -> None:
    assert first_hit_rank([WH_TEXT, SQ_TEXT, SQ_TEXT], ["医用防护服从日产1000套"]) == 2


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        ([10, 20, 30, 40], 50, 25.0),
        ([10, 20, 30, 40], 95, 38.5),
        ([40, 10, 30, 20], 0, 10.0),
        ([5.0], 95, 5.0),
        ([], 50, None),
    ],
)
def test_percentile_interpolates_like_numpy(
    values: list[float], pct: float, expected: float | None
) -> None:
    assert percentile(values, pct) == expected
