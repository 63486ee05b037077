"""The editor-owned alias table: names the articles never write (English names), per subject."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from profile_qa.errors import ConfigError

DEFAULT_NAME = "aliases.toml"  # looked for beside the articles folder when no file is set


def default_alias_file(articles_dir: Path) -> str:
    """``aliases.toml`` beside the articles folder when it exists, else ""."""
    candidate = Path(articles_dir).expanduser().resolve().parent / DEFAULT_NAME
    return str(candidate) if candidate.is_file() else ""


def load_aliases(path: str) -> dict[str, tuple[str, ...]]:
    """A TOML or JSON file ``{subject = ["alias", ...]}``; {} when ``path`` is ""."""
    if not path:
        return {}
    file = Path(path).expanduser()
    try:
        raw = file.read_text(encoding="utf-8")
        data = json.loads(raw) if file.suffix == ".json" else tomllib.loads(raw)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read alias file {file}: {exc}") from exc
    table: dict[str, tuple[str, ...]] = {}
    for subject, aliases in data.items():
        if isinstance(aliases, str):
            aliases = [aliases]
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"alias file {file}: {subject!r} must map to a list of names")
        table[subject] = table.get(subject, ()) + tuple(a for a in aliases if a.strip())
    return table
