#!/usr/bin/env bash
# Runs every *.test.ts file with Node's test runner (Node 20 finds no .ts files by itself) and fails
# when no test ran, so an empty run can never pass for a green one. Usage: scripts/run-tests.sh [FILE…]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find test lib pipeline stages tools cli -name '*.test.ts' -not -path '*/node_modules/*' | sort)
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "run-tests: no test files found" >&2
  exit 1
fi
mkdir -p test-output
tap=$(mktemp test-output/results.XXXXXX.tap)
trap 'rm -f "$tap"' EXIT
node --import tsx --test --test-timeout="${TEST_TIMEOUT_MS:-300000}" \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  "${files[@]}" && status=0 || status=$?
total=$(sed -n 's/^# tests \([0-9]*\)$/\1/p' "$tap" | tail -1)
passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)
failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)
skipped=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$tap" | tail -1)
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ -z "$total" ] || [ "$total" -eq 0 ]; then
  echo "run-tests: no test was executed: this is a failure, not a pass" >&2
  exit 1
fi
if [ "${skipped:-0}" -gt 0 ] && [ "${ALLOW_SKIPS:-0}" != 1 ]; then
  echo "run-tests: ${skipped} test(s) skipped; every test must run here (set ALLOW_SKIPS=1 to allow)" >&2
  exit 1
fi
exit "$status"
