#!/usr/bin/env bash
# Runs *.test.ts files with Node's test runner (Node 20 finds no .ts files by itself) and fails when no test
# ran or one was skipped, so an empty run can never pass for a green one.
#   scripts/run-tests.sh [FILE…]    every test file (or the ones given)
#   scripts/run-tests.sh --unit     the fast lane: files that start no process, open no socket and time nothing
# Each file is its own `node --test` process, TEST_CONCURRENCY at a time (default: the number of CPUs), the
# slowest ones (SLOW below) first; beside them, one at a time, the files that mostly wait (WAITING below), so that
# their idle seconds never hold a CPU's slot. A file's report is printed whole when it ends, headed by its wall and
# CPU time. Temporary files go to a folder of the run (TMPDIR), deleted when it ends.
# Where `unshare -rn` works (root, as CI runs it, or unprivileged user namespaces), every file runs in a private
# network namespace with only loopback up, so files that bind fixed 127.x addresses or start daemons run
# alongside the rest. Without it, the SERIAL files run one at a time after the others, as they must then.
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."

# Must run alone without a namespace of their own: they bind fixed 127.x addresses (simnet, crawl, notebooks and the
# report site, which reads their demo), start daemons (tor, i2pd, bcoin), signal child processes (runs, lock, cron)
# or time sessions (crawl).
SERIAL='^test/(crawl|simnet|cron|notebooks)/|^test/report/site\.test\.ts$|^test/pipeline/(lock|runs)\.test\.ts$|^test/topology/scale\.test\.ts$'
# Started first, longest first by the CPU time in their reports' headers, so that no long file ends the run alone:
# the 250,000-node analyze; the notebook demo's builder (observable), early so that the files reading that demo
# (jupyter, the report site) find it built instead of waiting for it in a slot; the package install; the
# kill-at-every-step seal test; then the other files over ~6 CPU s here.
SLOW=(test/scale/mainnet-analyze test/notebooks/observable test/package/pack test/crawl/seal-window
  test/notebooks/jupyter test/analyze/analyze test/scale/mainnet-pipeline test/sql/nodes test/report/report
  test/sql/cli test/report/site)
# Spend most of their wall time waiting (on timeouts, daemons starting, peers replying late) and little CPU: they
# run in a lane of their own beside the CPU-bound files (the CPU time each took is in its report's header).
WAITING='^test/crawl/(resume|tor|i2pd|tail|bcoin|crawl|session-hostile|max-duration|peer-bytes|wait|session|buffer-budget|session-wire-order|dns)\.test\.ts$|^test/simnet/(overlay|crawl|cjdns|mainnet|hostile)\.test\.ts$'
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
concurrency=${TEST_CONCURRENCY:-$(nproc)}
isolate=()
if unshare -rn true 2>/dev/null; then
  isolate=(unshare -rn bash -c 'ip link set lo up && exec "$@"' netns)
  serial=()
else
  mapfile -t serial < <(printf '%s\n' "${files[@]}" | grep -E "$SERIAL" || true)
  mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -Ev "$SERIAL" || true)
fi
mapfile -t waiting < <(printf '%s\n' "${files[@]}" | grep -E "$WAITING" || true)
mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -Ev "$WAITING" || true)
first=() # the files matching SLOW, in its order, then the others
for slow in "${SLOW[@]}"; do
  mapfile -t -O "${#first[@]}" first < <(printf '%s\n' "${files[@]}" | grep -F "$slow" || true)
done
mapfile -t files < <(printf '%s\n' "${first[@]}" "${files[@]}" | awk 'NF && !seen[$0]++')

mkdir -p test-output
work=$(mktemp -d "$PWD/test-output/run.XXXXXX")
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fluxture-tests.XXXXXX") # outside the checkout: Unix socket paths stay short
trap 'rm -rf "$work" "$scratch"' EXIT
export TMPDIR="$scratch"
# Shared by the files of this run only (deleted with it): fixtures that several files build the same way.
export FLUXTURE_TEST_CACHE="$work/cache"
mkdir -p "$FLUXTURE_TEST_CACHE"

one() { # one N FILE: runs a file, then prints its report whole (under a lock: reports never interleave)
  local n=$1 file=$2 status=0 took TIMEFORMAT='%R %U %S' # wall, then CPU of the file and its children
  took=$({ time "${isolate[@]}" node --import tsx --test --test-timeout="${TEST_TIMEOUT_MS:-300000}" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$work/$n.tap" \
    "$file" >"$work/$n.out" 2>&1; } 2>&1) || status=$?
  echo "$status $file" >"$work/$n.status"
  flock "$work/print.lock" bash -c 'printf "── %s (%s)\n" "$1" "$2"; cat "$3"' print "$file" \
    "$(echo "$took" | awk -v s="$status" '{ printf "%.1f s, %.1f s CPU%s", $1, $2 + $3, s == 0 ? "" : ", exit " s }')" "$work/$n.out"
}
pool() { # pool CONCURRENCY FIRST-INDEX FILE…: runs the files CONCURRENCY at a time
  local concurrency=$1 n=$2 running=0 file
  shift 2
  for file in "$@"; do
    if [ "$running" -ge "$concurrency" ]; then
      wait -n || true
      running=$((running - 1))
    fi
    one "$n" "$file" &
    n=$((n + 1))
    running=$((running + 1))
  done
  wait
}
started=$(date +%s)
pool 1 "${#files[@]}" "${waiting[@]}" & # each pool in a subshell of its own: its `wait -n` sees only its files
pool "$concurrency" 0 "${files[@]}" &
wait
pool 1 "$((${#files[@]} + ${#waiting[@]}))" "${serial[@]}"

sum() { # sum FIELD: the runner's "# FIELD N" summed over the files
  local n=0 v tap
  for tap in "$work"/*.tap; do
    v=$(sed -n "s/^# $1 \([0-9]*\)$/\1/p" "$tap" | tail -1)
    n=$((n + ${v:-0}))
  done
  echo "$n"
}
total=$(sum tests)
passed=$(sum pass)
failed=$(sum fail)
skipped=$(sum skipped)
mapfile -t broken < <(cat "$work"/*.status | grep -v '^0 ' | cut -d' ' -f2- || true)
how=$([ "${#isolate[@]}" -gt 0 ] && echo "each in its own network namespace" || echo "${#serial[@]} of them alone")
echo "${passed} passed, ${failed} failed, ${skipped} skipped in $(($(date +%s) - started)) s ($((${#files[@]} + ${#waiting[@]} + ${#serial[@]})) files: ${concurrency} at a time and ${#waiting[@]} that wait beside them, ${how})"
if [ "$total" -eq 0 ]; then
  echo "run-tests: no test was executed: this is a failure, not a pass" >&2
  exit 1
fi
if [ "$skipped" -gt 0 ] && [ "${ALLOW_SKIPS:-0}" != 1 ]; then
  echo "run-tests: ${skipped} test(s) skipped; every test must run here (set ALLOW_SKIPS=1 to allow)" >&2
  exit 1
fi
if [ "${#broken[@]}" -gt 0 ]; then
  echo "run-tests: ${#broken[@]} file(s) failed: ${broken[*]}" >&2
  exit 1
fi
