"""The sample articles shipped in the package, and seeding a new articles folder with them.

An installed profile-qa keeps its articles in the user data folder, which starts out missing:
the first run copies the samples there so the chat answers something at once and the editor
sees the expected layout (articles in the folder, ``aliases.toml`` and ``examples.toml``
beside it). The package's own copies are never used as the articles folder: an upgrade
replaces them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
SAMPLE_ARTICLES = _PACKAGE / "articles"
EDITOR_FILES = ("aliases.toml", "examples.toml")  # kept beside the articles folder


def seed_articles(articles_dir: Path) -> list[str]:
    """Copy the sample articles into ``articles_dir`` if it does not exist yet, and the
    editor files beside it where absent; the names copied ([] when the folder exists).

    The folder appears whole or not at all (copied aside, then renamed), so an interrupted
    copy is not mistaken for an editor's folder next time; an existing one is never touched.
    """
    articles_dir = Path(articles_dir)
    if articles_dir.exists() or not SAMPLE_ARTICLES.is_dir():
        return []
    articles_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = articles_dir.parent / f".{articles_dir.name}.seed-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(SAMPLE_ARTICLES, tmp, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    copied = sorted(p.name for p in tmp.iterdir())
    try:
        os.rename(tmp, articles_dir)
    except OSError:  # another process made the folder meanwhile: theirs stands
        shutil.rmtree(tmp, ignore_errors=True)
        return []
    for name in EDITOR_FILES:
        target = articles_dir.parent / name
        if (_PACKAGE / name).is_file() and not target.exists():
            shutil.copyfile(_PACKAGE / name, target)
            copied.append(name)
    return copied
