"""The E5S1 reader: Q4_0 dequantisation and header parsing on small hand-made files."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from embeddings._e5_format import (
    DTYPE_F32,
    DTYPE_Q4_0,
    dequantize_q4_0,
    parse_e5,
    read_all,
    tensor_shapes,
)
from profile_qa.errors import ModelLoadError


def q4_block(scale: float, low: list[int], high: list[int]) -> bytes:
    """One Q4_0 block: fp16 scale, then byte j = low[j] | high[j] << 4."""
    packed = bytes(lo | hi << 4 for lo, hi in zip(low, high, strict=True))
    return np.float16(scale).tobytes() + packed


def test_q4_0_block_dequantises_low_nibbles_first_then_high() -> None:
    low = list(range(16))
    high = [15 - j for j in range(16)]
    weights = dequantize_q4_0(q4_block(0.5, low, high))
    expected = [(q - 8) * 0.5 for q in low] + [(q - 8) * 0.5 for q in high]
    assert weights.dtype == np.float32
    np.testing.assert_array_equal(weights, np.array(expected, dtype=np.float32))


def test_q4_0_blocks_keep_their_own_scales() -> None:
    raw = q4_block(1.0, [9] * 16, [7] * 16) + q4_block(-0.25, [0] * 16, [15] * 16)
    weights = dequantize_q4_0(raw)
    np.testing.assert_array_equal(weights[:32], [1.0] * 16 + [-1.0] * 16)
    np.testing.assert_array_equal(weights[32:], [2.0] * 16 + [-1.75] * 16)


TINY = {"hidden": 32, "layers": 1, "heads": 2, "ff": 64, "vocab": 3, "maxp": 4, "tvs": 2}


def e5_file(drop: str | None = None, version: int = 1) -> tuple[bytes, dict[str, np.ndarray]]:
    """A complete tiny E5S1 file (Q4_0 matrices and word embedding, f32 rest) and its weights."""
    t = TINY
    head = b"E5S1" + struct.pack(
        "<I7ifi",
        version,
        t["hidden"],
        t["layers"],
        t["heads"],
        t["ff"],
        t["vocab"],
        t["maxp"],
        t["tvs"],
        1e-12,
        32,
    )
    pieces = [b"<s>", b"\xe2\x96\x81a"]
    blob = b"".join(pieces)
    offsets = [0, len(pieces[0]), len(blob)]
    tok = struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, len(blob))
    tok += struct.pack(f"<{len(offsets)}I", *offsets) + struct.pack("<2f", 0.0, -1.5) + blob
    norm_entry = struct.pack("<IB2I", 0x3000, 2, 0x20, 0x20)  # one entry, two outputs
    tok += struct.pack("<iI", 1, len(norm_entry)) + norm_entry

    from embeddings._e5_format import E5Header

    shapes = tensor_shapes(
        E5Header(
            t["hidden"],
            t["layers"],
            t["heads"],
            t["ff"],
            t["vocab"],
            t["maxp"],
            t["tvs"],
            1e-12,
            32,
        )
    )
    rng = np.random.default_rng(0)
    expected: dict[str, np.ndarray] = {}
    payloads: list[tuple[str, int, int, bytes]] = []
    for name, shape in shapes.items():
        if name == drop:
            continue
        count = int(np.prod(shape))
        if len(shape) == 2 and name != "emb.pos" and name != "emb.type":
            blocks = [
                q4_block(0.125, list(rng.integers(0, 16, 16)), list(rng.integers(0, 16, 16)))
                for _ in range(count // 32)
            ]
            raw = b"".join(blocks)
            payloads.append((name, DTYPE_Q4_0, count, raw))
            expected[name] = dequantize_q4_0(raw).reshape(shape)
        else:
            values = rng.standard_normal(count).astype("<f4")
            payloads.append((name, DTYPE_F32, count, values.tobytes()))
            expected[name] = values.reshape(shape)

    directory_size = 4 + sum(2 + len(n) + 1 + 4 + 8 + 8 for n, *_ in payloads)
    offset = len(head) + len(tok) + directory_size
    directory = struct.pack("<i", len(payloads))
    data = b""
    for name, dtype, count, raw in payloads:
        directory += struct.pack("<H", len(name)) + name.encode()
        directory += struct.pack("<BIQQ", dtype, count, offset + len(data), len(raw))
        data += raw
    return head + tok + directory + data, expected


def test_tiny_file_header_and_every_tensor_read_back() -> None:
    raw, expected = e5_file()
    header, entries = parse_e5(raw)
    assert (header.hidden, header.layers, header.heads, header.intermediate) == (32, 1, 2, 64)
    assert (header.vocab, header.max_positions, header.type_vocab) == (3, 4, 2)
    assert header.eps == pytest.approx(1e-12)
    assert entries["emb.word"].dtype == DTYPE_Q4_0 and entries["emb.pos"].dtype == DTYPE_F32
    _, arrays = read_all(raw)
    assert set(arrays) == set(expected)
    for name, value in expected.items():
        np.testing.assert_array_equal(arrays[name], value, err_msg=name)
    assert arrays["l0.fi.w"].shape == (64, 32)  # [out, in], the nn.Linear layout
    assert arrays["l0.fo.w"].shape == (32, 64)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda raw: b"GGUF" + raw[4:], "bad magic"),
        (lambda raw: raw[:30], "truncated"),
        (lambda raw: raw[:-10], "past the end"),
    ],
    ids=["magic", "header-cut", "data-cut"],
)
def test_damaged_file_is_a_model_load_error(mangle, message: str) -> None:
    raw, _ = e5_file()
    with pytest.raises(ModelLoadError, match=message):
        read_all(mangle(raw))


def test_missing_tensor_is_named() -> None:
    raw, _ = e5_file(drop="l0.oln.b")
    with pytest.raises(ModelLoadError, match=r"l0\.oln\.b"):
        read_all(raw)


def test_unknown_version_is_refused() -> None:
    raw, _ = e5_file(version=2)
    with pytest.raises(ModelLoadError, match="version 2"):
        parse_e5(raw)
