#!/usr/bin/env bash
# Install profile-qa and start the web chat on the embedded defaults (no network needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/python app.py "$@"
