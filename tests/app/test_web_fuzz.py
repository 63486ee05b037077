"""Fuzzing the HTTP API from its own /openapi.json (schemathesis): whatever a client sends,
valid or not, the server answers without a 5xx or a stack trace. Bounded and derandomized:
a fixed number of examples per operation, against a real server on 127.0.0.1."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("schemathesis")

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from profile_qa.settings import load_settings
from profile_qa.web import describe_answerer
from profile_qa.web.server import build_app
from tests.app.fakes import FakeAnswerer
from tests.app.support import running_server
from tests.conftest import SEED_ARTICLES

pytestmark = pytest.mark.slow

EXAMPLES = 100  # per operation and mode (valid, invalid)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = load_settings(
        env={},
        articles_dir=SEED_ARTICLES,
        data_dir=tmp_path_factory.mktemp("fuzz-data"),
        rate_limit_per_minute=0,  # the fuzzer is one client sending hundreds of requests
    )
    app = build_app(describe_answerer(configured, FakeAnswerer(configured)), with_chat=False)
    with running_server(app) as url:
        yield url


def test_no_request_makes_the_server_fail(base_url: str) -> None:
    seen: Counter[str] = Counter()
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4

    # Valid requests (the server must answer them) and invalid ones (a clean 4xx).
    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    for operation, mode in itertools.product(operations, modes):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: Any) -> None:
            response = case.call(base_url=base_url, timeout=30)
            seen[str(response.status_code)] += 1
            assert response.status_code < 500, (case.path, response.text[:300])
            assert "Traceback" not in response.text
            headers = {k.lower(): v for k, v in response.headers.items()}
            kind = " ".join(headers.get("content-type", []))
            if response.status_code >= 400 and kind.startswith("application/json"):
                assert response.json().get("error"), response.text  # the reason is given

        try:
            check()
        except Unsatisfiable:  # no invalid request exists (GET /api/health takes nothing)
            assert mode is schemathesis.GenerationMode.NEGATIVE
    by_status = ", ".join(f"{k}: {v}" for k, v in sorted(seen.items()))
    total = sum(seen.values())
    print(f"\nfuzzed {total} requests over {len(operations)} operations; {by_status}")
