#!/usr/bin/env bash
# Runs the benchmarks and load generators (not part of `make test`); results go to docs/benchmarks.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in bench/*/run.sh; do
  [ -x "$b" ] && "$b"
done
