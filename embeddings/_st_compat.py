"""sentence-transformers imports that moved between 5.x and 6.x (imported lazily: torch)."""

from __future__ import annotations

from typing import Any


def st_modules() -> tuple[Any, Any, Any, Any]:
    """(SentenceTransformer, Transformer, Pooling, Normalize) from whichever layout is installed."""
    import importlib

    from sentence_transformers import SentenceTransformer

    try:  # 6.x layout; the old ``models`` path still works there but warns
        modules = importlib.import_module("sentence_transformers.sentence_transformer.modules")
    except ImportError:  # 5.x
        modules = importlib.import_module("sentence_transformers.models")
    return SentenceTransformer, modules.Transformer, modules.Pooling, modules.Normalize


def quiet_loading() -> Any:
    """Context manager hiding transformers' per-load progress bars (the CLI draws its own)."""
    import contextlib

    from transformers.utils import logging

    hf_logging: Any = logging  # untyped functions

    @contextlib.contextmanager
    def _quiet() -> Any:
        was_enabled = hf_logging.is_progress_bar_enabled()
        level = hf_logging.get_verbosity()
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        try:
            yield
        finally:
            hf_logging.set_verbosity(level)
            if was_enabled:
                hf_logging.enable_progress_bar()

    return _quiet()
