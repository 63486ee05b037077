"""The trained answer scorer: a logistic model over ``qa.features`` rows, in numpy.

``qa/scorer.json`` holds the feature names, their standardisation, the weights, and the
thresholds chosen on dev questions, with how and on which sets they were chosen. It is written
by ``scripts/train_scorer.py``; retrain it when the features change or articles of a new kind
arrive. scikit-learn is never needed at run time.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from profile_qa.errors import ConfigError
from qa.features import FEATURES


@dataclass(frozen=True)
class ScorerModel:
    """Weights and thresholds of the answer scorer."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    answer_threshold: float  # best unit's probability under which the question is refused
    second_ratio: float  # a further unit joins the answer when it scores this close to the best
    info: dict[str, Any]
    # Optional hidden layer (a tiny MLP): tanh(x @ hidden + hidden_bias) feeds ``weights``.
    hidden: np.ndarray | None = None
    hidden_bias: np.ndarray | None = None
    # Optional question-level confidence model (qa.confidence): mean, scale, w, b.
    confidence: dict[str, Any] | None = None

    def question_confidence(self, sorted_probs: np.ndarray, sorted_rows: np.ndarray) -> float:
        """How likely the best unit answers the question (0..1); refusal is a threshold on it."""
        if not len(sorted_probs):
            return 0.0
        if self.confidence is None:
            return float(sorted_probs[0])
        from qa.confidence import question_vector

        c = self.confidence
        x = (question_vector(sorted_probs, sorted_rows) - c["mean"]) / c["scale"]
        z = float(x @ c["w"] + c["b"])
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """P(unit holds the answer) for each row of features (0..1)."""
        if not len(rows):
            return np.zeros(0, dtype=np.float64)
        x = (rows - self.mean) / self.scale
        if self.hidden is not None and self.hidden_bias is not None:
            x = np.tanh(x @ self.hidden + self.hidden_bias)
        z = x @ self.weights + self.bias
        p: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        return p

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [float(x) for x in self.mean],
            "scale": [float(x) for x in self.scale],
            "weights": [float(x) for x in self.weights],
            "bias": float(self.bias),
            "answer_threshold": float(self.answer_threshold),
            "second_ratio": float(self.second_ratio),
            "info": self.info,
            **(
                {"confidence": {k: np.asarray(v).tolist() for k, v in self.confidence.items()}}
                if self.confidence is not None
                else {}
            ),
            **(
                {"hidden": self.hidden.tolist(), "hidden_bias": self.hidden_bias.tolist()}
                if self.hidden is not None and self.hidden_bias is not None
                else {}
            ),
        }


def model_from_json(data: dict[str, Any]) -> ScorerModel:
    """A ScorerModel from its JSON form; the features must be the ones this code computes."""
    features = tuple(data["features"])
    if features != FEATURES:
        raise ConfigError(
            "the answer scorer's weights were trained on other features: "
            "retrain them with scripts/train_scorer.py"
        )
    confidence = None
    if "confidence" in data:
        c = data["confidence"]
        confidence = {
            "mean": np.asarray(c["mean"], dtype=np.float64),
            "scale": np.asarray(c["scale"], dtype=np.float64),
            "w": np.asarray(c["w"], dtype=np.float64),
            "b": float(c["b"]),
        }
    return ScorerModel(
        confidence=confidence,
        features=features,
        mean=np.asarray(data["mean"], dtype=np.float64),
        scale=np.asarray(data["scale"], dtype=np.float64),
        weights=np.asarray(data["weights"], dtype=np.float64),
        bias=float(data["bias"]),
        answer_threshold=float(data["answer_threshold"]),
        second_ratio=float(data["second_ratio"]),
        info=dict(data.get("info", {})),
        hidden=np.asarray(data["hidden"], dtype=np.float64) if "hidden" in data else None,
        hidden_bias=(
            np.asarray(data["hidden_bias"], dtype=np.float64) if "hidden_bias" in data else None
        ),
    )


@functools.cache
def _packaged() -> ScorerModel:
    text = resources.files("qa").joinpath("scorer.json").read_text(encoding="utf-8")
    return model_from_json(json.loads(text))


def load_model(path: str = "") -> ScorerModel:
    """The shipped scorer, or the one in ``path`` (a JSON file written by the training script)."""
    if not path:
        return _packaged()
    try:
        return model_from_json(json.loads(Path(path).expanduser().read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"cannot read the answer scorer {path}: {exc}") from exc
