#!/usr/bin/env bash
# Behaviour under faults (see bench/faults.py): `make faults`, or bench/faults.sh [postgres redis worker two]
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python bench/faults.py "$@"
