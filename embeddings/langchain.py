"""LangChain ``Embeddings`` over any project embedder (the e5 model, another model or a fake)."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from embeddings.base import Embedder


class LangChainEmbeddings(Embeddings):
    """Adapts an ``Embedder`` to ``langchain_core.embeddings.Embeddings``.

    Documents get the passage prompt and queries the query prompt, exactly as in the project's
    own index, so vectors from either side are interchangeable.
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One unit-length vector (list of floats) per text."""
        vectors: list[list[float]] = self.embedder.embed_passages(list(texts)).tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """The unit-length query vector as a list of floats."""
        vector: list[float] = self.embedder.embed_query(text).tolist()
        return vector

    def __repr__(self) -> str:
        return f"LangChainEmbeddings({self.embedder.model_id!r})"
