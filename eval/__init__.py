"""Evaluation against gold question sets: load, run, score, report, and gate the suite."""

from eval.gates import check_suite_gates, load_gates, propose_gates
from eval.gold import QUESTION_TYPES, GoldQuestion, evidence_problems, load_gold, parse_gold
from eval.indexes import ensure_eval_index, eval_index_settings
from eval.metrics import SUMMARY_KEYS, summarize
from eval.refusal import RefusalCurve, refusal_curve
from eval.report import write_report
from eval.report_suite import write_suite_report
from eval.runner import EvalResult, run_eval, run_modes
from eval.scoring import PassageRecord, QuestionRecord, score_question
from eval.suite import SEED_GOLD, SuiteSet, benchmark_sets, builtin_sets, run_suite

__all__ = [
    "QUESTION_TYPES",
    "SEED_GOLD",
    "SUMMARY_KEYS",
    "EvalResult",
    "GoldQuestion",
    "PassageRecord",
    "QuestionRecord",
    "RefusalCurve",
    "SuiteSet",
    "benchmark_sets",
    "builtin_sets",
    "check_suite_gates",
    "ensure_eval_index",
    "eval_index_settings",
    "evidence_problems",
    "load_gates",
    "load_gold",
    "parse_gold",
    "propose_gates",
    "refusal_curve",
    "run_eval",
    "run_modes",
    "run_suite",
    "score_question",
    "summarize",
    "write_report",
    "write_suite_report",
]
