#!/usr/bin/env bash
# Runs *.test.ts files with Node's test runner (Node 20 finds no .ts files by itself) and fails when no test
# ran, so an empty run can never pass for a green one.
#   scripts/run-tests.sh [FILE…]    every test file (or the ones given)
#   scripts/run-tests.sh --unit     the fast lane: files that start no process, open no socket and time nothing
# Files run TEST_CONCURRENCY at a time (default: the number of CPUs), except the serial ones (SERIAL below:
# fixed loopback addresses, real daemons, signals to children, timing-sensitive sessions), which run one at a
# time after the others, so a busy machine cannot make them miss a deadline.
set -euo pipefail
cd "$(dirname "$0")/.."

# Must run alone: they bind fixed 127.x addresses (simnet, crawl), start daemons (tor, i2pd, bcoin), signal
# child processes (runs, lock, cron), or measure wall-clock behaviour (session grace periods, scale, notebooks).
SERIAL='^test/(crawl|simnet|cron|notebooks)/|^test/pipeline/(lock|runs)\.test\.ts$|^test/topology/scale\.test\.ts$'
# The fast lane: pure code and single-process DuckDB/Parquet work, no CLI, no socket, no child process.
UNIT='^test/(protocol|mmdb|ip)/|^test/(check-imports|check-spreads)\.test\.ts$|^test/pipeline/(schema|fsutil|duckdb|stage)\.test\.ts$|^test/topology/(metrics|degree-dist|sampling|in-reply)\.test\.ts$|^test/crawl/(classify|policy|eta)\.test\.ts$|^test/export/(tables|maps|bitnodes)\.test\.ts$|^test/geolocate/(lookup|dataset)\.test\.ts$|^test/sql/style\.test\.ts$|^test/import/state\.test\.ts$'

unit=0
if [ "${1:-}" = "--unit" ]; then
  unit=1
  shift
fi
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find test lib pipeline stages tools cli -name '*.test.ts' -not -path '*/node_modules/*' | sort)
fi
if [ "$unit" = 1 ]; then
  mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -E "$UNIT" || true)
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "run-tests: no test files found" >&2
  exit 1
fi
mapfile -t parallel < <(printf '%s\n' "${files[@]}" | grep -Ev "$SERIAL" || true)
mapfile -t serial < <(printf '%s\n' "${files[@]}" | grep -E "$SERIAL" || true)

mkdir -p test-output
taps=()
trap 'rm -f "${taps[@]}"' EXIT
status=0
batch() { # batch CONCURRENCY FILE…
  local concurrency=$1
  shift
  [ "$#" -gt 0 ] || return 0
  local tap
  tap=$(mktemp test-output/results.XXXXXX.tap)
  taps+=("$tap")
  node --import tsx --test --test-concurrency="$concurrency" --test-timeout="${TEST_TIMEOUT_MS:-300000}" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" \
    "$@" || status=$?
}
batch "${TEST_CONCURRENCY:-$(nproc)}" "${parallel[@]}"
batch 1 "${serial[@]}"

sum() { # sum FIELD: the runner's "# FIELD N" summed over the batches
  local n=0 v tap
  for tap in "${taps[@]}"; do
    v=$(sed -n "s/^# $1 \([0-9]*\)$/\1/p" "$tap" | tail -1)
    n=$((n + ${v:-0}))
  done
  echo "$n"
}
total=$(sum tests)
passed=$(sum pass)
failed=$(sum fail)
skipped=$(sum skipped)
echo "${passed} passed, ${failed} failed, ${skipped} skipped (${#parallel[@]} files ${TEST_CONCURRENCY:-$(nproc)} at a time, ${#serial[@]} alone)"
if [ "$total" -eq 0 ]; then
  echo "run-tests: no test was executed: this is a failure, not a pass" >&2
  exit 1
fi
if [ "$skipped" -gt 0 ] && [ "${ALLOW_SKIPS:-0}" != 1 ]; then
  echo "run-tests: ${skipped} test(s) skipped; every test must run here (set ALLOW_SKIPS=1 to allow)" >&2
  exit 1
fi
exit "$status"
