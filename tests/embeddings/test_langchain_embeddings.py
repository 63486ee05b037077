"""LangChainEmbeddings against langchain-tests' standard suites (fake and real model)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from embeddings import LangChainEmbeddings
from embeddings.fake import HashingEmbedder

# The suites mix sync and async tests; only a class-wide asyncio mark reaches the inherited
# coroutines, and pytest-asyncio then warns about the sync ones.
pytestmark = pytest.mark.filterwarnings("ignore:The test <Function.*asyncio:pytest.PytestWarning")


class TestLangChainEmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[LangChainEmbeddings]:
        return LangChainEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"embedder": HashingEmbedder(64)}


@pytest.mark.asyncio  # the suite's aembed_* tests are coroutines
class TestLangChainEmbeddingsFake(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[LangChainEmbeddings]:
        return LangChainEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"embedder": HashingEmbedder(64)}


@pytest.mark.slow
@pytest.mark.asyncio
class TestLangChainEmbeddingsRealModel(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[LangChainEmbeddings]:
        return LangChainEmbeddings

    @pytest.fixture
    def model(self, real_embedder: Any) -> Embeddings:
        return LangChainEmbeddings(real_embedder)


def test_documents_and_queries_are_the_embedders_vectors_as_floats() -> None:
    embedder = HashingEmbedder(64)
    lc = LangChainEmbeddings(embedder)
    texts = ["夏昆山连续59天奋战在保障生产第一线", "深中海日产量达30万只"]
    documents = lc.embed_documents(texts)
    assert all(type(x) is float for row in documents for x in row)
    np.testing.assert_allclose(documents, embedder.embed_passages(texts), rtol=1e-6)
    np.testing.assert_allclose(lc.embed_query(texts[0]), embedder.embed_query(texts[0]), rtol=1e-6)
    assert lc.embed_documents([]) == []


@pytest.mark.slow
def test_real_model_gives_queries_and_documents_their_own_prompts(real_embedder: Any) -> None:
    lc = LangChainEmbeddings(real_embedder)
    text = "深圳市防控物资生产一线总指挥"
    as_query = np.array(lc.embed_query(text))
    as_document = np.array(lc.embed_documents([text])[0])
    np.testing.assert_allclose(as_query, real_embedder.embed_query(text), atol=1e-6)
    assert float(as_query @ as_document) < 0.999  # "query: " vs "passage: " prefix
