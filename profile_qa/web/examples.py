"""Example questions for the chat: one per profile present in the corpus.

The curated questions are data an editor changes (``examples.toml`` beside the articles
folder); a profile without one gets a generic question built from its subject.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from corpus.model import Chunk

log = logging.getLogger(__name__)
EXAMPLES_NAME = "examples.toml"
_FALLBACK = ("这些文章介绍了哪些抗疫先进集体和个人？",)


def load_examples(articles_dir: Path) -> list[tuple[str, str]]:
    """(match, question) pairs from ``examples.toml`` beside ``articles_dir``; [] if absent.

    A broken file is logged and ignored: the chat still starts, with generic examples.
    """
    file = Path(articles_dir).expanduser().resolve().parent / EXAMPLES_NAME
    if not file.is_file():
        return []
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("example questions in %s ignored: %s", file, exc)
        return []
    out = []
    for entry in data.get("example", []):
        if isinstance(entry, dict) and entry.get("match") and entry.get("question"):
            out.append((str(entry["match"]), str(entry["question"])))
    return out


def example_questions(
    chunks: Iterable[Chunk], curated: Sequence[tuple[str, str]] = (), limit: int = 8
) -> list[str]:
    """Up to ``limit`` questions, one per profile subject, in corpus order."""
    questions: list[str] = []
    seen_subjects: set[str] = set()
    used_keys: set[str] = set()
    for chunk in chunks:
        subject = chunk.subject.strip()
        if not subject or subject in seen_subjects:
            continue
        seen_subjects.add(subject)
        where = f"{subject} {chunk.section_title} {chunk.article_title}"
        for key, question in curated:
            if key in where and key not in used_keys:
                used_keys.add(key)
                questions.append(question)
                break
        else:
            questions.append(f"{subject}在抗疫中做了哪些工作？")
        if len(questions) >= limit:
            break
    return questions or list(_FALLBACK)
