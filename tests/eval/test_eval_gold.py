"""The gold file format and the seed gold set."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from eval import QUESTION_TYPES, evidence_problems, load_gold, parse_gold
from eval.metrics import answer_key
from profile_qa.errors import GoldFileError

REPO = Path(__file__).resolve().parents[2]
SEED_GOLD = REPO / "eval" / "gold" / "seed.jsonl"
PROFILES = {
    "引言",
    "武汉市经济和信息化局新冠肺炎疫情防控专班",
    "湖北省通管局疫情防控通信保障武汉市专项工作组",
    "日照三奇医疗卫生用品有限公司",
    "依文服饰股份有限公司",
    "西安天隆科技有限公司",
    "中国通信服务股份有限公司",
    "工业和信息化部办公厅机要督办处",
    "夏昆山",
}


def test_seed_gold_set_covers_every_profile_and_type() -> None:
    gold = load_gold(SEED_GOLD)
    assert len(gold) >= 60
    counts = Counter(q.type for q in gold)
    assert {t: counts[t] for t in QUESTION_TYPES if counts[t] < 3} == {}
    assert counts["unanswerable"] >= 8
    covered = {p for q in gold if q.answerable for p in q.profile.split("；")}
    assert covered >= PROFILES


def test_every_seed_evidence_string_is_verbatim_in_its_raw_article(
    seed_articles_dir: Path,
) -> None:
    missing = [
        (q.id, e)
        for q in load_gold(SEED_GOLD)
        for e in q.evidence
        if e not in (seed_articles_dir / q.doc).read_text(encoding="utf-8")
    ]
    assert missing == []
    assert evidence_problems(load_gold(SEED_GOLD), seed_articles_dir) == []


def test_every_must_contain_string_is_in_the_cleaned_article(seed_articles_dir: Path) -> None:
    """So an extractive answer quoting the article can be scored correct."""
    import corpus

    cleaned = {
        name: answer_key(corpus.load_article(seed_articles_dir / name).text)
        for name in {q.doc for q in load_gold(SEED_GOLD) if q.doc}
    }
    missing = [
        (q.id, m)
        for q in load_gold(SEED_GOLD)
        for m in q.must_contain
        if answer_key(m) not in cleaned[q.doc]
    ]
    assert missing == []


def test_seed_questions_are_in_the_language_their_type_says() -> None:
    import opencc

    t2s = opencc.OpenCC("t2s")
    for q in load_gold(SEED_GOLD):
        if q.type == "traditional":
            assert t2s.convert(q.question) != q.question, q.id
        if q.type == "english":
            assert sum(c.isascii() for c in q.question) > 0.9 * len(q.question), q.id
        if q.type == "followup":
            assert q.history, q.id


VALID: dict[str, Any] = {
    "id": "sq-01",
    "question": "三奇公司的口罩日产量从多少提高到了多少？",
    "answer": "从日产50万只提高到350万只",
    "must_contain": ["50万只", "350万只"],
    "evidence": ["口罩从日产50万只提高到350万只"],
    "doc": "000_55cfba9dcf3082ae.txt",
    "profile": "日照三奇医疗卫生用品有限公司",
    "type": "numeric",
    "history": [],
}


def _line(**changes: Any) -> str:
    data = {**VALID, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not ...}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        ('{"id": "x", "question": ', "line 2: bad JSON"),
        ('["sq-02"]', "line 2: expected a JSON object"),
        (_line(id="sq-02", evidence=...), "line 2: field 'evidence': missing"),
        (_line(id="sq-02", source="miit"), "line 2: field 'source': unknown field"),
        (_line(id="sq-02", must_contain="350万只"), "line 2: field 'must_contain': must be a list"),
        (_line(id=2), "line 2: field 'id': must be a string, not number"),
        (_line(id="sq-02", evidence=[""]), "line 2: field 'evidence': every item"),
        (_line(id="sq-02", type="yesno"), "line 2: field 'type': unknown type 'yesno'"),
        (_line(id="sq-02", must_contain=[]), "line 2: field 'must_contain': an answerable"),
        (_line(id="sq-02", evidence=[]), "line 2: field 'evidence': an answerable"),
        (_line(id="sq-02", doc=""), "line 2: field 'doc': an answerable"),
        (_line(), "line 2: field 'id': duplicate id 'sq-01' (first used on line 1)"),
        (_line(id="sq-02", type="unanswerable"), "line 2: field 'answer': must be null"),
        (_line(id="sq-02", answer=None), "line 2: field 'must_contain': must be empty"),
        (_line(id="sq-02", type="followup"), "line 2: field 'history': a followup question"),
        (_line(id="sq-02", answer=""), "line 2: field 'answer': must be a non-empty"),
    ],
)
def test_invalid_lines_are_rejected_with_line_and_field(second_line: str, message: str) -> None:
    with pytest.raises(GoldFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_gold([_line(), second_line], source="g.jsonl")


_UNANSWERABLE: dict[str, Any] = {
    "answer": None,
    "must_contain": [],
    "evidence": [],
    "type": "unanswerable",
}


@pytest.mark.parametrize(
    ("line", "doc", "profile", "history"),
    [
        # history left out: a question asked on its own.
        (_line(history=...), "000_55cfba9dcf3082ae.txt", "日照三奇医疗卫生用品有限公司", ()),
        # profile null anywhere: the question is about no single profile.
        (_line(profile=None), "000_55cfba9dcf3082ae.txt", "", ()),
        # unanswerable with doc and profile null (as a benchmark converter writes them)
        (_line(**_UNANSWERABLE, doc=None, profile=None, history=...), "", "", ()),
        # unanswerable with doc and profile empty (as the benchmarks README writes them)
        (_line(**_UNANSWERABLE, doc="", profile=""), "", "", ()),
        # unanswerable naming the profile it asks about, no history field
        (_line(**_UNANSWERABLE, doc=None, history=...), "", "日照三奇医疗卫生用品有限公司", ()),
        # a follow-up still carries its history
        (
            _line(type="followup", history=["三奇公司是做什么的？"]),
            "000_55cfba9dcf3082ae.txt",
            "日照三奇医疗卫生用品有限公司",
            ("三奇公司是做什么的？",),
        ),
    ],
)
def test_documented_variants_load(
    line: str, doc: str, profile: str, history: tuple[str, ...]
) -> None:
    (question,) = parse_gold([line], source="g.jsonl")
    assert (question.doc, question.profile, question.history) == (doc, profile, history)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (_line(doc=None), "line 1: field 'doc': an answerable question needs the article"),
        (_line(history=None), "line 1: field 'history': must be a list of strings, not null"),
        (_line(type="followup", history=...), "line 1: field 'history': a followup question"),
        (_line(profile=3), "line 1: field 'profile': must be a string, not number"),
        (_line(doc=["a.txt"]), "line 1: field 'doc': must be a string, not list"),
        (_line(question=...), "line 1: field 'question': missing"),
    ],
)
def test_optional_fields_keep_their_checks(line: str, message: str) -> None:
    with pytest.raises(GoldFileError, match=message):
        parse_gold([line], source="g.jsonl")


@pytest.mark.parametrize("content", [b"", b"\n  \n"])
def test_an_empty_file_is_rejected(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "g.jsonl"
    path.write_bytes(content)
    with pytest.raises(GoldFileError, match="no questions"):
        load_gold(path)


def test_unreadable_files_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(GoldFileError, match="cannot read"):
        load_gold(tmp_path / "missing.jsonl")
    (tmp_path / "gbk.jsonl").write_bytes(_line().encode("gbk"))
    with pytest.raises(GoldFileError, match="not UTF-8"):
        load_gold(tmp_path / "gbk.jsonl")


def test_a_new_file_with_bom_blank_lines_and_an_unanswerable_question_loads(
    tmp_path: Path,
) -> None:
    unanswerable = _line(id="un", answer=None, must_contain=[], evidence=[], type="unanswerable")
    path = tmp_path / "mine.jsonl"
    path.write_text("\ufeff" + _line() + "\n\n" + unanswerable + "\n", encoding="utf-8")
    first, second = load_gold(path)
    assert first.must_contain == ("50万只", "350万只") and first.answerable
    assert second.answer is None and not second.answerable


def test_every_seed_evidence_string_fits_inside_one_default_chunk(seed_articles_dir: Path) -> None:
    """Evidence straddling two chunks could never be retrieved: the gold set must avoid it."""
    import corpus
    from eval.metrics import contains_any
    from profile_qa.settings import load_settings

    settings = load_settings(env={}, articles_dir=seed_articles_dir)
    chunks = corpus.chunk_articles(corpus.load_articles(seed_articles_dir).articles, settings)
    orphans = [
        (q.id, e)
        for q in load_gold(SEED_GOLD)
        for e in q.evidence
        if not any(contains_any(c.text, [e]) for c in chunks)
    ]
    assert orphans == []
