"""int8 that keeps the fp32 vectors: ``embedding_precision = "int8-smooth"``.

Plain dynamic int8 (``int8``) quantises each multiply's input with one scale for the whole
batch. Two kinds of outlier waste that scale (measured on the fp32 graph, seed chunks):

* a few fixed channels of the LayerNorm outputs that feed the Q/K/V and FFN-input multiplies
  reach 6-44 where the median channel is ~1.4;
* single tokens whose GELU output (the FFN output multiply's input) peaks 10-40x its own RMS.

``int8-smooth`` handles both and keeps the fused int8 kernel (``DynamicQuantizeMatMul``):

* SmoothQuant (Xiao et al. 2023): the input channel k is divided by s_k and the weights'
  row k multiplied by it (the product is unchanged), s_k = xmax_k**a / wmax_k**(1 - a), so
  the outlier channels shrink and the weights absorb them. xmax is calibrated once on the
  seed articles (``scripts/calibrate_e5_int8.py`` -> ``e5_int8_calibration.json``).
* per-token scales: each token's row is divided by its own largest magnitude before the
  batch-wide quantiser and the output multiplied back, so a loud token no longer flattens
  every other token to a few levels.

Which part gets what was chosen per part by the cosine to fp32 (README, int8 table): Q/K/V
smoothing only (a = 0.85), attention output plain int8 (its error was already tiny), FFN
input smoothing and per-token (a = 0.5), FFN output per-token only (smoothing there made
the int8 weights worse). Vectors: cosine ~0.9998 to fp32 (``int8``: ~0.997).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from embeddings._e5_graph import _Graph

CALIBRATION_FILE = "e5_int8_calibration.json"
# part -> (SmoothQuant alpha, or None for no smoothing; per-token activation scales)
PLAN: dict[str, tuple[float | None, bool]] = {
    "qkv": (0.85, False),
    "ao": (None, False),
    "fi": (0.5, True),
    "fo": (None, True),
}
_TINY = 1e-5


def int8_per_row(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 codes and one scale per output row (what ORT's dynamic quantiser makes)."""
    amax = np.abs(weights).max(axis=1)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    codes = np.clip(np.rint(weights / scale[:, None]), -127, 127).astype(np.int8)
    return codes, scale


def load_calibration() -> dict[str, np.ndarray]:
    """Per-layer input-channel maxima, {"qkv": [layers, hidden], "fi": [layers, hidden]}."""
    text = resources.files("embeddings").joinpath(CALIBRATION_FILE).read_text("utf-8")
    data = json.loads(text)
    return {part: np.asarray(data[part], dtype=np.float32) for part in ("qkv", "fi")}


def smoothing(weights: np.ndarray, x_absmax: np.ndarray, alpha: float) -> np.ndarray:
    """SmoothQuant factor per input channel of ``weights`` [out, in]: divide x, multiply W."""
    w_absmax = np.maximum(np.abs(weights).max(axis=0), _TINY)
    s: np.ndarray = np.maximum(x_absmax, _TINY) ** alpha / w_absmax ** (1 - alpha)
    return s.astype(np.float32)


def smooth_matmul(
    g: _Graph,
    x: str,
    weights: np.ndarray,
    bias: np.ndarray | None,
    part: str,
    x_absmax: np.ndarray | None,
) -> str:
    """``x @ weights.T + bias`` in int8 as ``PLAN[part]`` says; weights [out, in] float32."""
    from embeddings._e5_graph import MS_DOMAIN

    alpha, per_token = PLAN[part]
    name = f"w{len(g.initializers)}"
    if alpha is not None:
        if x_absmax is None:
            raise ValueError(f"{part} needs calibrated input maxima")
        s = smoothing(weights, x_absmax, alpha)
        weights = weights * s[None, :]
        x = g.op("Mul", [x, g.const(name + ".inv_s", (1.0 / s).astype(np.float32))])
    codes, col_scale = int8_per_row(weights)
    if per_token:
        # |x| per token, from its max and min (no |x| tensor is written).
        axes = g.const(name + ".axes", np.array([-1]))
        top = g.op("ReduceMax", [x, axes], keepdims=1)
        neg = g.op("Neg", [g.op("ReduceMin", [x, axes], keepdims=1)])
        tiny = g.const(name + ".tiny", np.array(1e-8, dtype=np.float32))
        row = g.op("Max", [g.op("Max", [top, neg]), tiny])
        x = g.op("Div", [x, row])
    q = g.const(name + ".q", np.ascontiguousarray(codes.T))
    inputs = [x, q, g.const(name + ".s", col_scale)]
    if bias is not None and not per_token:
        inputs += ["", g.const(name + ".bias", bias)]
    y = g.op("DynamicQuantizeMatMul", inputs, domain=MS_DOMAIN)
    if not per_token:
        return y
    y = g.op("Mul", [y, row])
    return y if bias is None else g.op("Add", [y, g.const(name + ".bias", bias)])
