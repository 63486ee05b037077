"""int8-smooth's pieces: SmoothQuant keeps the product, per-token scales keep quiet tokens."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from embeddings._e5_int8 import PLAN, load_calibration, smoothing


@pytest.mark.parametrize("alpha", [0.5, 0.85])
def test_smoothing_moves_the_outlier_channel_into_the_weights(alpha: float) -> None:
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(6, 4)).astype(np.float32)  # [out, in]
    x = rng.normal(size=(3, 4)).astype(np.float32)
    x[:, 1] *= 40  # one loud channel, as LayerNorm outputs have
    s = smoothing(weights, np.abs(x).max(axis=0), alpha)
    np.testing.assert_allclose((x / s) @ (weights * s).T, x @ weights.T, rtol=1e-4, atol=1e-4)
    before = np.abs(x).max(axis=0)
    after = np.abs(x / s).max(axis=0)
    assert after.max() / np.median(after) < before.max() / np.median(before)


def test_calibration_covers_every_layer_and_shows_the_outlier_channels() -> None:
    calibration = load_calibration()
    assert set(calibration) == {p for p, (alpha, _) in PLAN.items() if alpha is not None}
    for part, maxima in calibration.items():
        assert maxima.shape == (12, 384), part
        assert np.isfinite(maxima).all() and (maxima > 0).all(), part
        # why smoothing pays: in every layer some channel is far louder than the median one
        assert (maxima.max(axis=1) / np.median(maxima, axis=1) > 2.5).all(), part


def _run_matmul(part: str, x: np.ndarray, weights: np.ndarray, x_absmax: Any) -> np.ndarray:
    import onnxruntime
    from onnx import TensorProto, helper

    from embeddings._e5_graph import MS_DOMAIN, OPSET, _Graph
    from embeddings._e5_int8 import smooth_matmul

    g = _Graph()
    out = smooth_matmul(g, "x", weights, np.zeros(weights.shape[0], np.float32), part, x_absmax)
    graph = helper.make_graph(
        g.nodes,
        "one-matmul",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, None, x.shape[-1]])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
        g.initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(MS_DOMAIN, 1)]
    )
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"x": x})[0]


def test_per_token_scales_keep_quiet_tokens_exact_next_to_a_loud_one() -> None:
    rng = np.random.default_rng(1)
    weights = rng.normal(size=(16, 64)).astype(np.float32)
    x = rng.normal(size=(1, 5, 64)).astype(np.float32)
    x[0, 0] *= 50  # one loud token in the batch (the FFN output multiply sees these)
    exact = x @ weights.T
    per_token = _run_matmul("fo", x, weights, None)  # PLAN: per-token, no smoothing
    plain = _run_matmul("ao", x, weights, None)  # PLAN: plain dynamic int8, one batch scale

    def quiet_error(y: np.ndarray) -> float:
        return float(np.abs(y[0, 1:] - exact[0, 1:]).max() / np.abs(exact[0, 1:]).max())

    assert quiet_error(per_token) < 0.02
    assert quiet_error(plain) > 3 * quiet_error(per_token)
