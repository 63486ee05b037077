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

.venv/bin/ruff check .
set +e
.venv/bin/python -m pytest "$@"
code=$?
set -e
# pytest exits 5 when it collected no test: that is a failure of the suite, say so.
if [ "$code" = 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$code"
