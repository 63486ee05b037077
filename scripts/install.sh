#!/usr/bin/env bash
# Create .venv (if needed) and install profile-qa into it. Offline-capable once the wheels
# are in pip's cache; torch==2.13.0 is a CPU build that pip takes from this machine's disk.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
py="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$py" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch first and pinned, so no other package can pull a several-GB CUDA build.
.venv/bin/python -m pip install -q "torch==2.13.0"
if [ -n "$extras" ]; then
  .venv/bin/python -m pip install -q -e ".[$extras]"
else
  .venv/bin/python -m pip install -q -e .
fi
