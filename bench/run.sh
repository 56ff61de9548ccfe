#!/usr/bin/env bash
# The speed benchmarks (see bench/run.py): `make bench`, or bench/run.sh [CONFIG ...]
# with CONFIG among sqlite, sqlite+redis, postgres, postgres+redis.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
exec .venv/bin/python bench/run.py "$@"
