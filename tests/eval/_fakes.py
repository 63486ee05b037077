"""Hand-made chunks and answers (real qa.model records), and a scripted answerer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from corpus.model import Chunk
from eval.gold import GoldQuestion
from qa.model import Answer, Citation, Passage

# Cleaned text as the corpus produces it: full-width punctuation, page breaks joined.
WH_TEXT = (
    "全力打通医疗物资供应链。迅速建立紧缺物资战时保障机制，协调捐赠（采购）负压救护车329辆、"
    "MPV50辆，调拨调配防护服4万多套、口罩200多万只。"
)
SQ_TEXT = (
    "口罩从日产50万只提高到350万只，医用防护服从日产1000套增至20000套以上。"
    "三奇共支援武汉、北京等相关地区口罩1.35亿只、防护服180万套，百分之百地完成国家调拨任务。"
)


def chunk(cid: str, subject: str, text: str) -> Chunk:
    """A chunk of the 000 seed article."""
    return Chunk(
        id=cid,
        article_id="000_55cfba9dcf3082ae",
        section_index=1,
        text=text,
        header=f"{subject} · 事迹",
        start=0,
        end=len(text),
        subject=subject,
        section_title="事迹",
        article_title="鲜花和掌声献给抗击新冠肺炎疫情的工信先锋",
        date="",
        source_file="000_55cfba9dcf3082ae.txt",
    )


WH = chunk("wh", "武汉市经济和信息化局新冠肺炎疫情防控专班", WH_TEXT)
SQ = chunk("sq", "日照三奇医疗卫生用品有限公司", SQ_TEXT)


def answer(
    text: str,
    passages: Sequence[Chunk],
    cited: Sequence[Chunk] = (),
    refused: bool = False,
    total: float = 100.0,
    retrieval: float = 10.0,
) -> Answer:
    """An Answer citing ``cited`` as [1], [2], ... and retrieving ``passages`` in order."""
    return Answer(
        question="",
        resolved_question="",
        text=text,
        citations=tuple(Citation(i, c, c.start, c.end) for i, c in enumerate(cited, start=1)),
        passages=tuple(Passage(c, rank, 1.0 / rank) for rank, c in enumerate(passages, start=1)),
        generator="extractive",
        refused=refused,
        timings_ms={"retrieval": retrieval, "generation": total - retrieval, "total": total},
    )


def gold(
    qid: str,
    question: str,
    answer_text: str | None,
    must: Sequence[str] = (),
    evidence: Sequence[str] = (),
    qtype: str = "numeric",
    history: Sequence[str] = (),
) -> GoldQuestion:
    """A gold question about the 000 seed article."""
    return GoldQuestion(
        id=qid,
        question=question,
        answer=answer_text,
        must_contain=tuple(must),
        evidence=tuple(evidence),
        doc="000_55cfba9dcf3082ae.txt",
        profile="日照三奇医疗卫生用品有限公司",
        type=qtype,
        history=tuple(history),
    )


class ScriptedAnswerer:
    """Duck-typed qa.Answerer: each question maps to a function of the history."""

    def __init__(self, script: dict[str, Callable[[tuple[tuple[str, str], ...]], Answer]]):
        self.script = script
        self.calls: list[tuple[str, tuple[tuple[str, str], ...]]] = []

    def answer(self, question: str, history: Sequence[tuple[str, str]] = ()) -> Answer:
        self.calls.append((question, tuple(history)))
        return self.script[question](tuple(history))


OPENER = "三奇公司的口罩日产量提高到了多少？"
OPENER_ANSWER = "口罩从日产50万只提高到350万只[1]。"


def four_questions() -> list[GoldQuestion]:
    """Two numeric questions (one answered wrongly), one unanswerable, one follow-up."""
    return [
        gold("g1", OPENER, "350万只", ["350万只"], ["口罩从日产50万只提高到350万只"]),
        gold(
            "g2",
            "武汉市经信局协调捐赠了多少辆MPV？",
            "50辆",
            ["50辆"],
            ["负压救护车329辆、MPV50辆"],
        ),
        gold("g3", "三奇公司有多少名员工？", None, qtype="unanswerable"),
        gold(
            "g4",
            "那防护服呢？",
            "日产20000套以上",
            ["20000套"],
            ["医用防护服从日产1000套增至20000套以上"],
            qtype="followup",
            history=[OPENER],
        ),
    ]


def four_answers() -> ScriptedAnswerer:
    """Answers to four_questions() with hand-checked metrics (see test_eval_runner)."""

    def followup(history: tuple[tuple[str, str], ...]) -> Answer:
        if history != ((OPENER, OPENER_ANSWER),):
            return answer("请说明您问的是哪家单位。", [WH], refused=True)
        return answer(
            "医用防护服从日产1000套增至20000套以上[1]", [SQ], [SQ], total=150, retrieval=15
        )

    return ScriptedAnswerer(
        {
            OPENER: lambda h: answer(OPENER_ANSWER, [WH, SQ], [SQ], total=100, retrieval=10),
            "武汉市经信局协调捐赠了多少辆MPV？": lambda h: answer(
                "协调捐赠（采购）负压救护车329辆[1][2]", [WH], [WH, SQ], total=200, retrieval=20
            ),
            "三奇公司有多少名员工？": lambda h: answer(
                "文章中没有相关信息。", [SQ], refused=True, total=50, retrieval=5
            ),
            "那防护服呢？": followup,
        }
    )
