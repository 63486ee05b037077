"""Directory swaps that never leave an index half-written, and the build lock.

A build writes a complete new directory next to the index, then swaps it in with two renames
(old -> backup, new -> index). A crash or kill at any moment leaves either the old index in
place or, between the renames, the backup, which readers use and the next build restores.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from profile_qa.errors import IndexBusyError as IndexBusyError  # re-export

MANIFEST_FILE = "manifest.json"


def fsync_file(path: Path) -> None:
    """Flush a written file to disk before it is renamed into place."""
    with path.open("rb") as f:
        os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    """Make renames inside ``path`` durable."""
    # Makes renames durable; not possible (nor needed) on every platform.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _backups(index_dir: Path) -> list[Path]:
    found = index_dir.parent.glob(f".{index_dir.name}.old-*")
    return sorted((p for p in found if p.is_dir()), key=lambda p: p.stat().st_mtime)


def swap_in_dir(tmp: Path, index_dir: Path) -> None:
    """Replace ``index_dir`` by the complete directory ``tmp``: old -> backup, new -> place."""
    backup = index_dir.parent / f".{index_dir.name}.old-{os.getpid()}"
    had_old = index_dir.exists()
    if had_old:
        os.rename(index_dir, backup)
    os.rename(tmp, index_dir)
    fsync_dir(index_dir.parent)
    if had_old:
        shutil.rmtree(backup, ignore_errors=True)


def recover_index_dir(index_dir: Path) -> None:
    """Undo what an interrupted build left: restore a backup, delete temp directories.

    Only call with the build lock held: another build's temp directory would vanish.
    """
    backups = _backups(index_dir)
    if not index_dir.exists() and backups:
        os.rename(backups.pop(), index_dir)
        fsync_dir(index_dir.parent)
    leftovers = [*backups, *index_dir.parent.glob(f".{index_dir.name}.tmp-*")]
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)


def readable_index_dir(index_dir: Path) -> Path:
    """The directory to read: the index, or the backup a build left between its renames."""
    if (index_dir / MANIFEST_FILE).is_file():
        return index_dir
    if not index_dir.exists():
        for backup in reversed(_backups(index_dir)):
            if (backup / MANIFEST_FILE).is_file():
                return backup
    return index_dir


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock for building ``index_dir``; IndexBusyError if another has it."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: builds are not guarded against each other
        yield
        return
    lock_path = index_dir.parent / f".{index_dir.name}.lock"
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError(
                f"another `profile-qa index` is updating {index_dir}; wait for it to finish"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
