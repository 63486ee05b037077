"""Composing an answer: a quote that never says what it is about is labelled with its subject."""

from __future__ import annotations

from pathlib import PurePath

import pytest

from corpus.model import Chunk
from qa.compose import compose, subject_name
from qa.features import question_facts
from qa.knowledge import KnowledgeBase, Sentence
from qa.model import Passage
from qa.units import Unit


def _unit(text: str, *, title: str = "", subject: str = "", source: str = "a.txt") -> Unit:
    chunk = Chunk(
        id="c1",
        article_id=PurePath(source).stem,  # as the loader names articles
        section_index=0,
        text=text,
        header=subject or title,
        start=0,
        end=len(text),
        subject=subject,
        section_title=title,
        article_title=title,
        date="",
        source_file=source,
    )
    return Unit(Passage(chunk, 1, 1.0), (Sentence(0, 0, len(text), text),))


@pytest.mark.parametrize(
    ("title", "subject", "source", "name"),
    [
        ("柏林圍牆", "", "drcd-0001.txt", "柏林圍牆"),  # an encyclopaedia title names its subject
        ("清河风采", "清河市中心医院", "h.txt", "清河市中心医院"),  # a profile's subject wins
        ("crud-01-0001", "", "crud-01-0001.txt", ""),  # made up from the file name
        ("平凡人的不平凡担当，记一位出租车司机", "", "v.txt", ""),  # a headline
        ("争分夺秒造出“生命之机”", "", "v.txt", ""),  # quotation marks: a headline
    ],
)
def test_subject_name(title: str, subject: str, source: str, name: str) -> None:
    unit = _unit("它是冷战的重要标志性建筑。", title=title, subject=subject, source=source)
    assert subject_name(unit.passage.chunk) == name


@pytest.mark.parametrize(
    ("question", "sentence", "title", "starts_with"),
    [
        # The sentence leaves its subject out: the label is the answer.
        (
            "哪一個建築為分割東西歐的鐵幕的一個象徵?",
            "它是冷戰的重要標誌性建築，也成為了分割東西歐的鐵幕的一個象徵。",
            "柏林圍牆",
            "柏林圍牆：它是",
        ),
        # The sentence names it already: no label.
        ("柏林圍牆何時倒塌?", "柏林圍牆於1989年11月9日倒塌。", "柏林圍牆", "柏林圍牆於"),
        # The question names it: no label.
        ("柏林圍牆象徵什麼?", "它成為了分割東西歐的鐵幕的一個象徵。", "柏林圍牆", "它成為"),
        # Simplified question, Traditional article: still named in the question.
        ("柏林围墙象征什么?", "它成為了分割東西歐的鐵幕的一個象徵。", "柏林圍牆", "它成為"),
    ],
)
def test_a_quote_without_its_subject_is_labelled(
    kb: KnowledgeBase, question: str, sentence: str, title: str, starts_with: str
) -> None:
    draft = compose(question_facts(question, kb), [_unit(sentence, title=title)], kb)
    assert draft.text.startswith(starts_with)
    assert draft.citations[0].chunk.article_title == title
