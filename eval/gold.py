"""The gold question file: JSON Lines, one question a line, validated strictly.

Fields: ``id``, ``question``, ``answer`` (null: the articles do not answer it),
``must_contain`` and ``evidence`` (lists; both empty when unanswerable), ``doc`` (the article
file; null or "" when unanswerable), ``profile`` (null or "" allowed), ``type`` (one of
QUESTION_TYPES) and ``history`` (optional, default []: earlier user turns of a follow-up).
A bad file is rejected with the line number and the field, so an editor can fix it without
reading code: a gold set that silently loses questions would inflate every metric.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from profile_qa.errors import GoldFileError

QUESTION_TYPES: tuple[str, ...] = (
    "factoid",
    "numeric",
    "date",
    "list",
    "multi_sentence",
    "cross_profile",
    "paraphrase",
    "unanswerable",
    "traditional",
    "english",
    "followup",
)

_FIELDS: tuple[str, ...] = (
    "id",
    "question",
    "answer",
    "must_contain",
    "evidence",
    "doc",
    "profile",
    "type",
    "history",
)


# Fields a line may leave out, with the value it then has.
_OPTIONAL: dict[str, Any] = {"history": []}


@dataclass(frozen=True)
class GoldQuestion:
    """One gold question; ``answer`` is None when the articles cannot answer it."""

    id: str
    question: str
    answer: str | None
    must_contain: tuple[str, ...]
    evidence: tuple[str, ...]
    doc: str
    profile: str
    type: str
    history: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        """True when the articles answer the question."""
        return self.answer is not None


def load_gold(path: Path | str) -> list[GoldQuestion]:
    """Read and validate a gold JSONL file; raise GoldFileError naming line and field."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise GoldFileError(f"cannot read gold file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise GoldFileError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    return parse_gold(text.splitlines(), source=str(path))


def parse_gold(lines: Iterable[str], source: str = "<gold>") -> list[GoldQuestion]:
    """Validate gold lines (blank lines are skipped); raise GoldFileError on the first problem."""
    questions: list[GoldQuestion] = []
    first_line_of: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}, line {number}"
        question = _parse_line(line, where)
        if question.id in first_line_of:
            raise GoldFileError(
                f"{where}: field 'id': duplicate id {question.id!r} "
                f"(first used on line {first_line_of[question.id]})"
            )
        first_line_of[question.id] = number
        questions.append(question)
    if not questions:
        raise GoldFileError(f"{source}: the gold file has no questions")
    return questions


def _parse_line(line: str, where: str) -> GoldQuestion:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise GoldFileError(f"{where}: bad JSON: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise GoldFileError(f"{where}: expected a JSON object, got {type(data).__name__}")
    for name in _FIELDS:
        if name not in data and name not in _OPTIONAL:
            raise GoldFileError(f"{where}: field {name!r}: missing")
    for name in data:
        if name not in _FIELDS:
            raise GoldFileError(f"{where}: field {name!r}: unknown field")

    def fail(name: str, problem: str) -> GoldFileError:
        return GoldFileError(f"{where}: field {name!r}: {problem}")

    data = {**_OPTIONAL, **data}
    # null is the documented "no article" for an unanswerable question and "no profile"
    # anywhere; an answerable question still needs its doc (checked below).
    for name in ("doc", "profile"):
        if data[name] is None:
            data[name] = ""
    for name in ("id", "question", "doc", "profile", "type"):
        if not isinstance(data[name], str):
            raise fail(name, f"must be a string, not {_json_type(data[name])}")
    for name in ("id", "question"):
        if not data[name].strip():
            raise fail(name, "must not be empty")
    if data["answer"] is not None and not (
        isinstance(data["answer"], str) and data["answer"].strip()
    ):
        raise fail("answer", "must be a non-empty string or null")
    for name in ("must_contain", "evidence", "history"):
        value = data[name]
        if not isinstance(value, list):
            raise fail(name, f"must be a list of strings, not {_json_type(value)}")
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise fail(name, f"every item must be a non-empty string, not {item!r}")
    if data["type"] not in QUESTION_TYPES:
        raise fail("type", f"unknown type {data['type']!r}; use one of {', '.join(QUESTION_TYPES)}")

    answerable = data["answer"] is not None
    if data["type"] == "unanswerable" and answerable:
        raise fail("answer", "must be null for an unanswerable question")
    if answerable:
        for name in ("must_contain", "evidence"):
            if not data[name]:
                raise fail(name, "an answerable question needs at least one string")
        if not data["doc"].strip():
            raise fail("doc", "an answerable question needs the article file name")
    else:
        for name in ("must_contain", "evidence"):
            if data[name]:
                raise fail(name, "must be empty when answer is null (unanswerable)")
    if data["type"] == "followup" and not data["history"]:
        raise fail("history", "a followup question needs the previous user question(s)")

    return GoldQuestion(
        id=data["id"],
        question=data["question"],
        answer=data["answer"],
        must_contain=tuple(data["must_contain"]),
        evidence=tuple(data["evidence"]),
        doc=data["doc"],
        profile=data["profile"],
        type=data["type"],
        history=tuple(data["history"]),
    )


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def evidence_problems(gold: Iterable[GoldQuestion], articles_dir: Path) -> list[str]:
    """Evidence strings not found in their article's raw text (compared after normalisation)."""
    from eval.metrics import match_key

    problems: list[str] = []
    keys: dict[str, str | None] = {}
    for q in gold:
        if not q.evidence:
            continue
        if q.doc not in keys:
            path = articles_dir / q.doc
            keys[q.doc] = match_key(path.read_text(encoding="utf-8")) if path.is_file() else None
        article = keys[q.doc]
        if article is None:
            problems.append(f"{q.id}: article {q.doc!r} not found in {articles_dir}")
            continue
        problems.extend(
            f"{q.id}: evidence not in {q.doc}: {e!r}"
            for e in q.evidence
            if match_key(e) not in article
        )
    return problems
