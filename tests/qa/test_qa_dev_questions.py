"""Visitor-style dev questions written from the seed articles (how, lists, who, numbers, multi).

They were written after a held-out error analysis named these kinds of false refusals; none is
taken from the held-out set. Slow: real embedded model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from profile_qa.settings import load_settings
from qa.chain import Answerer
from tests.conftest import SEED_ARTICLES

pytestmark = pytest.mark.slow


def _gap(question: str, facts: list[str]) -> Any:
    """A dev question the answerer still gets wrong: strict, so a fix shows."""
    return pytest.param(question, facts, marks=pytest.mark.xfail(strict=True, reason="open gap"))


# (question, facts the answer must show: each alternative tuple needs one hit)
DEV_QUESTIONS: list[Any] = [
    ("三奇公司的工人是怎么倒班的？", ["倒班"]),
    ("三奇是如何保证生产的？", ["人停机不停"]),
    ("机要督办处是怎样督办的？", ["上门督办"]),
    ("机要督办处通过哪些方式督办？", ["台账"]),
    ("夏昆山发现安多福面临哪两个困难？", ["工人回不来"]),
    _gap("安多福的两大困难分别是啥？", ["产品包装"]),
    _gap("三奇的三种情怀是哪些方面？", ["舍弃"]),
    ("天隆科技牵头制订的标准由谁发布？", ["国家药监局"]),
    ("核酸提取试剂盒标准是哪个部门发布的？", ["国家药监局"]),
    ("依文有多少人扑在防护服项目上？", ["上千名"]),
    ("安多福产能比平时高了多少？", ["10倍以上"]),
    _gap("夏昆山第一次去深中海是哪一天？", ["1月21日"]),
    ("深中海扩大产能多少倍？", ["10倍"]),
    ("夏昆山组织成立了多少个驻厂专班？", ["23个"]),
    ("依文集团什么时候开始转产？新建防护服生产线哪天投产？", ["2月2日", "2月20日"]),
    ("三奇口罩和防护服的日产量分别提高到多少？", ["350万只", "20000套"]),
    _gap("夏昆山是怎么解决安多福包装问题的？", ["深圳的企业"]),
    ("湖北省通管局如何保证通信畅通？", ["24小时值班"]),
    ("武汉市经信局怎样做好基层联防联控？", ["下沉35个社区"]),
    _gap("夏昆山把握的五个关键点是哪些？", ["精准服务"]),
    ("中国通服设立了多少人的PMO组织？", ["800余人"]),
    # Several profiles, or several clauses: each part is answered with its own unit.
    ("武汉市经信局和三奇公司各提供了多少口罩？", ["200多万只", "1.35亿只"]),
    ("依文集团的防护服生产线哪天投产，三奇的防护服日产量提高到多少？", ["2月20日", "20000套"]),
]


@pytest.fixture(scope="module")
def real_answerer(real_embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    from embeddings import build_index, open_index
    from qa import load_answerer

    data: Path = tmp_path_factory.mktemp("qa-dev")
    settings = load_settings(env={}, data_dir=data, articles_dir=SEED_ARTICLES)
    build_index(settings, real_embedder, progress=False)
    return load_answerer(
        settings, embedder=real_embedder, index=open_index(settings, real_embedder)
    )


@pytest.mark.parametrize(("question", "facts"), DEV_QUESTIONS)
def test_dev_question_is_answered(real_answerer: Answerer, question: str, facts: list[str]) -> None:
    answer = real_answerer.answer(question)
    assert not answer.refused, answer.text
    for fact in facts:
        assert fact in answer.text, answer.text
