#!/usr/bin/env bash
# Runs every benchmark under bench/ (or the ones named), one process each; each prints medians of several runs.
# Usage: scripts/run-bench.sh [bench/foo.bench.ts …]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find bench -name '*.bench.ts' | sort); fi
if [ "${#files[@]}" -eq 0 ]; then echo "run-bench: no benchmark found under bench/" >&2; exit 1; fi
status=0
for f in "${files[@]}"; do
  echo "== $f"
  node --import tsx --expose-gc "$f" || { echo "run-bench: $f failed" >&2; status=1; }
done
exit "$status"
