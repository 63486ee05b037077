"""``eval --suite``: every gold set the project has, each over its own articles and index.

The sets: the seed and held-out questions on the packaged articles, the unseen fixture
profiles, and every benchmark folder (``<name>/articles`` + ``<name>/dev.jsonl``) found under
the benchmarks directory. The embedder is loaded once; each articles folder gets its own
eval index (``eval.indexes``), so the sets never share or disturb an index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.runner import EvalResult
from profile_qa.settings import Settings

if TYPE_CHECKING:
    from qa.chain import Answerer

_EVAL = Path(__file__).resolve().parent
_REPO = _EVAL.parent
SEED_ARTICLES = _REPO / "corpus" / "articles"
SEED_GOLD = _EVAL / "gold" / "seed.jsonl"  # `profile-qa eval` without --gold

# How much each set was used to shape the answerer (printed in the report and the README).
TUNED_SEED = "tuned on"
TUNED_HOLDOUT = "not tuned on; failure kinds fixed on other questions"
TUNED_NONE = "never tuned on"
TUNED_BENCHMARK = "dev half: tuning allowed, not yet used"


@dataclass(frozen=True)
class SuiteSet:
    """One gold file and the articles folder its questions are about."""

    name: str
    gold: Path
    articles: Path
    tuned: str


def builtin_sets() -> list[SuiteSet]:
    """The sets that ship with the project."""
    unseen = _EVAL / "fixtures" / "unseen"
    return [
        SuiteSet("seed", SEED_GOLD, SEED_ARTICLES, TUNED_SEED),
        SuiteSet("holdout", _EVAL / "gold" / "holdout.jsonl", SEED_ARTICLES, TUNED_HOLDOUT),
        SuiteSet("unseen", unseen / "gold.jsonl", unseen / "articles", TUNED_NONE),
    ]


def benchmark_sets(directory: Path | None) -> tuple[list[SuiteSet], list[str]]:
    """Every ``<name>/`` under ``directory`` holding ``articles/`` and ``dev.jsonl``; notes."""
    if directory is None:
        return [], ["no benchmarks directory (../shared/benchmarks not found): benchmarks skipped"]
    if not directory.is_dir():
        return [], [f"benchmarks directory {directory} not found: benchmarks skipped"]
    sets = [
        SuiteSet(sub.name, sub / "dev.jsonl", sub / "articles", TUNED_BENCHMARK)
        for sub in sorted(directory.iterdir())
        if (sub / "articles").is_dir() and (sub / "dev.jsonl").is_file()
    ]
    notes = [] if sets else [f"no benchmark (<name>/articles + dev.jsonl) in {directory}"]
    return sets, notes


def default_benchmarks_dir(cwd: Path | None = None) -> Path | None:
    """``../shared/benchmarks`` beside the repository (or the working directory), if present."""
    for base in (_REPO, cwd or Path.cwd()):
        candidate = (base / ".." / "shared" / "benchmarks").resolve()
        if candidate.is_dir():
            return candidate
    return None


def run_suite(
    settings: Settings,
    sets: Sequence[SuiteSet],
    progress: bool = True,
    notify: Callable[[str], None] | None = None,
) -> list[EvalResult]:
    """Each set through the configured answerer, with the embedder loaded once."""
    import qa
    from embeddings import load_embedder
    from eval.gold import evidence_problems, load_gold
    from eval.indexes import ensure_eval_index
    from eval.runner import run_eval

    say = notify or (lambda _m: None)
    embedder = load_embedder(settings)
    results = []
    answerers: dict[Path, Answerer] = {}  # sets over one folder (seed, held-out) share its answerer
    for item in sets:
        gold = load_gold(item.gold)
        say(f"{item.name}: {len(gold)} questions over {item.articles}")
        problems = evidence_problems(gold, item.articles)
        for problem in problems[:5]:
            say(f"warning: {item.name}: {problem}")
        folder = Path(item.articles).resolve()
        if folder not in answerers:
            set_settings, index = ensure_eval_index(
                settings, embedder, folder, progress=progress, notify=say
            )
            answerers[folder] = qa.load_answerer(set_settings, embedder=embedder, index=index)
        answerer = answerers[folder]
        config = _config(settings, item, len(gold))
        results.append(run_eval(answerer, gold, progress=progress, label=item.name, config=config))
        answerer.save()
    return results


def _config(settings: Settings, item: SuiteSet, questions: int) -> dict[str, Any]:
    return {
        "gold": str(item.gold),
        "articles": str(item.articles),
        "tuned": item.tuned,
        "questions": questions,
        "retrieval_mode": settings.retrieval_mode,
        "generator": settings.generator,
        "embedding_model": settings.embedding_model,
        "top_k": settings.top_k,
    }


SUITE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("n", "questions"),
    ("hit_at_1", "hit@1"),
    ("mrr", "MRR"),
    ("answer_accuracy", "accuracy"),
    ("false_refusal_rate", "false refusals"),
    ("refusal_precision", "refusal P"),
    ("refusal_recall", "refusal R"),
    ("citation_precision", "citation P"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
)


def suite_table(results: Sequence[EvalResult]) -> list[list[str]]:
    """Rows (header first): one per set, the headline metrics as columns."""
    from eval.report import format_metric

    rows = [["set", *(label for _, label in SUITE_COLUMNS)]]
    for run in results:
        rows.append([run.label, *(format_metric(k, run.summary[k]) for k, _ in SUITE_COLUMNS)])
    return rows
