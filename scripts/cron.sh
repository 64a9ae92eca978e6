#!/usr/bin/env bash
# Scheduled crawl + analyze (`make cron`): refuses to overlap a previous scheduled run, logs to DATA/logs/,
# and on failure prints one line naming the reason and the log, exiting non-zero (cron mails it).
set -uo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-data}
NETWORK=${NETWORK:-mainnet}
mkdir -p "$DATA/logs"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
logfile="$DATA/logs/cron-$stamp.log"
exec 9>>"$DATA/.cron.lock"
if ! flock -n 9; then
  echo "cron: refused: a previous scheduled run still holds $DATA/.cron.lock ($(cat "$DATA/.cron.owner" 2>/dev/null || echo 'owner unknown'))" >&2
  exit 75
fi
echo "pid $$ since $stamp" > "$DATA/.cron.owner"
extra=()
[ -n "${SEEDS:-}" ] && for s in $SEEDS; do extra+=(--seed "$s"); done
[ -n "${CONCURRENCY:-}" ] && extra+=(--concurrency "$CONCURRENCY")
run() {
  echo "$(date -u +%FT%TZ) cron: $*" >>"$logfile"
  node bin/fluxture.js "$@" >>"$logfile" 2>&1
}
if ! run crawl --network "$NETWORK" --data "$DATA" "${extra[@]}"; then
  echo "cron: crawl failed: $(grep -m1 '^fluxture:' "$logfile" || tail -n1 "$logfile") (log: $logfile)" >&2
  exit 1
fi
if ! run analyze --data "$DATA"; then
  echo "cron: analyze failed: $(grep -m1 '^fluxture:' "$logfile" || tail -n1 "$logfile") (log: $logfile)" >&2
  exit 1
fi
echo "$(date -u +%FT%TZ) cron: done" >>"$logfile"
