"""The embedder interface every model (real or fake) implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns questions and passages into L2-normalised float32 vectors.

    ``model_id`` names the model; ``fingerprint`` changes whenever its weights or prompts do,
    so an index built with one embedder is never searched with another.
    """

    model_id: str
    fingerprint: str
    dimension: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), dimension), float32, rows of unit length."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """Shape (dimension,), float32, unit length."""
        ...
