"""The answerer's confidence: how likely the best candidate unit answers the question.

A small logistic model over the question as a whole (the best unit's probability, the
runner-up's, and the best unit's features) calibrated on dev questions: refusal is a threshold
on it. Trained with the unit scorer by ``scripts/train_scorer.py``; its weights live in
``qa/scorer.json`` under "confidence".
"""

from __future__ import annotations

import numpy as np


def question_vector(sorted_probs: np.ndarray, sorted_rows: np.ndarray) -> np.ndarray:
    """Features of one question from its units, best first: [p1, p2, p1 - p2, best row...]."""
    width = sorted_rows.shape[1] if sorted_rows.ndim == 2 else 0
    if not len(sorted_probs):
        return np.zeros(3 + width)
    p1 = float(sorted_probs[0])
    p2 = float(sorted_probs[1]) if len(sorted_probs) > 1 else 0.0
    return np.concatenate([[p1, p2, p1 - p2], sorted_rows[0]])
