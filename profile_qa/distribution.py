"""Is the code about to run this distribution's own?

profile-qa installs four top-level packages (``corpus``, ``embeddings``, ``qa``, ``eval``)
whose names other code uses too: a folder with its own ``eval/`` as the current directory of
``python -m profile_qa``, an entry on ``PYTHONPATH``, or another installed distribution
(PyPI has ones named ``eval``, ``corpus`` and ``embeddings``). Python would import that code
instead of ours, or it would overwrite our files, and fail far from the cause. The CLI and
the server call :func:`check_own_packages` first and stop with a message naming the path.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import profile_qa
from profile_qa.errors import PackageConflictError

DISTRIBUTION = "profile-qa"
OWN_PACKAGES = ("corpus", "embeddings", "qa", "eval")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _package_dir(name: str) -> Path | None:
    """The folder (or file) Python imports, or imported, the top-level ``name`` from."""
    spec = importlib.util.find_spec(name)
    if spec is None:
        return None
    if spec.origin and spec.origin not in ("namespace", "built-in", "frozen"):
        origin = Path(spec.origin).resolve()
        # A package's folder; a single-file module (an `eval.py` somewhere) is itself.
        return origin.parent if spec.submodule_search_locations is not None else origin
    locations = list(spec.submodule_search_locations or [])
    return Path(locations[0]).resolve() if locations else None


# A top-level name in top_level.txt, or the first part of a path in RECORD.
_TOP_LEVEL = re.compile(rf"^({'|'.join(OWN_PACKAGES)})(?:/|\.py,|$)", re.MULTILINE)


def _other_providers() -> dict[str, list[str]]:
    """Top-level names among ours that another installed distribution also declares.

    Each as ``"<distribution> in <folder>"``, the folder its metadata was found in. Reads
    top_level.txt, or RECORD when there is none, instead of the 0.3 s that
    ``importlib.metadata.packages_distributions`` takes to parse every file list.
    """
    from importlib.metadata import distributions

    providers: dict[str, list[str]] = {}
    for dist in distributions():
        text = dist.read_text("top_level.txt") or dist.read_text("RECORD") or ""
        names = {m.group(1) for m in _TOP_LEVEL.finditer(text)}
        if not names or _normalize(dist.name or "") == DISTRIBUTION:
            continue
        where = Path(str(dist.locate_file(""))).resolve()
        for name in sorted(names):
            providers.setdefault(name, []).append(f"{dist.name} in {where}")
    return providers


def check_own_packages() -> None:
    """Raise :class:`PackageConflictError` if a top-level package is not profile-qa's own."""
    home = Path(profile_qa.__file__).resolve().parent.parent
    providers = _other_providers()
    for name in OWN_PACKAGES:
        where = _package_dir(name)
        by = f" (installed by {', '.join(providers[name])})" if name in providers else ""
        if where is None:
            raise PackageConflictError(
                f"profile-qa's package {name!r} is missing from {home}: reinstall profile-qa"
            )
        if where != home / name:
            raise PackageConflictError(
                f"the top-level package {name!r} that Python imports is {where}{by}, not "
                f"profile-qa's own in {home / name}. Run profile-qa from another folder, take "
                "that folder off PYTHONPATH, or uninstall the other distribution"
            )
        if by:
            raise PackageConflictError(
                f"another distribution{by} also provides a top-level package {name!r}, "
                f"beside profile-qa's own at {where}: one shadows or overwrites the other. "
                "Uninstall it, or install profile-qa in a virtual environment of its own"
            )
