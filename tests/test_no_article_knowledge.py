"""The product's code knows no particular article: every name of a seed profile is data.

Subjects come from loading the seed corpus (as the product does), English names from the
editor's alias file; none may appear in the source of the product's packages.
"""

from __future__ import annotations

from pathlib import Path

import corpus
from qa.aliases import default_alias_file, load_aliases
from tests.conftest import REPO, SEED_ARTICLES

PRODUCT = ("corpus", "embeddings", "qa", "eval", "profile_qa", "app.py")
SOURCE_SUFFIXES = (".py", ".js", ".html", ".css", ".md")
# Data an editor owns (articles, gold questions, aliases, examples) and trained weights.
DATA = ("corpus/articles", "eval/gold", "corpus/aliases.toml", "corpus/examples.toml")


def _seed_names() -> set[str]:
    report = corpus.load_articles(SEED_ARTICLES)
    subjects = {s.subject for a in report.articles for s in a.sections if s.subject}
    english = {
        a for names in load_aliases(default_alias_file(SEED_ARTICLES)).values() for a in names
    }
    assert len(subjects) >= 8 and english  # the check below must have something to look for
    return subjects | english


def _source_files() -> list[Path]:
    files = []
    for part in PRODUCT:
        root = REPO / part
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            rel = path.relative_to(REPO).as_posix()
            if path.suffix in SOURCE_SUFFIXES and not rel.startswith(DATA):
                files.append(path)
    return files


def test_no_seed_profile_is_named_in_the_product_source() -> None:
    names = _seed_names()
    found = []
    for path in _source_files():
        text = path.read_text(encoding="utf-8", errors="replace").lower()
        found += [f"{path.relative_to(REPO)}: {n}" for n in names if n.lower() in text]
    assert not found, "article knowledge in code (move it to data):\n" + "\n".join(found)
