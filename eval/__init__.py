"""Evaluation against a gold question set: load, run, score and report."""

from eval.gold import QUESTION_TYPES, GoldQuestion, evidence_problems, load_gold, parse_gold
from eval.metrics import SUMMARY_KEYS, summarize
from eval.report import write_report
from eval.runner import EvalResult, run_eval
from eval.scoring import PassageRecord, QuestionRecord, score_question

__all__ = [
    "QUESTION_TYPES",
    "SUMMARY_KEYS",
    "EvalResult",
    "GoldQuestion",
    "PassageRecord",
    "QuestionRecord",
    "evidence_problems",
    "load_gold",
    "parse_gold",
    "run_eval",
    "score_question",
    "summarize",
    "write_report",
]
