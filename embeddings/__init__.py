"""Embedding models, the chunk index and its LangChain vector store.

Names are imported on first use (PEP 562), so ``profile-qa --help`` does not pay for numpy,
faiss or langchain when it imports ``embeddings``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embeddings.build import IndexBuildReport, build_index
    from embeddings.ensure import ensure_index
    from embeddings.index import ChunkIndex, open_index
    from embeddings.langchain import LangChainEmbeddings
    from embeddings.model import SentenceTransformerEmbedder, load_embedder
    from embeddings.pgvectorstore import PgVectorStore
    from embeddings.vectorstore import ChunkVectorStore

# name -> module that defines it; other owners add their own lines here.
_LAZY: dict[str, str] = {}
_LAZY["ChunkIndex"] = "embeddings.index"
_LAZY["open_index"] = "embeddings.index"
_LAZY["IndexBuildReport"] = "embeddings.build"
_LAZY["build_index"] = "embeddings.build"
_LAZY["ensure_index"] = "embeddings.ensure"
_LAZY["ChunkVectorStore"] = "embeddings.vectorstore"
_LAZY["load_embedder"] = "embeddings.model"
_LAZY["SentenceTransformerEmbedder"] = "embeddings.model"
_LAZY["LangChainEmbeddings"] = "embeddings.langchain"
_LAZY["PgVectorStore"] = "embeddings.pgvectorstore"

__all__ = [
    "ChunkIndex",
    "ChunkVectorStore",
    "IndexBuildReport",
    "LangChainEmbeddings",
    "PgVectorStore",
    "SentenceTransformerEmbedder",
    "build_index",
    "ensure_index",
    "load_embedder",
    "open_index",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'embeddings' has no attribute {name!r}")
