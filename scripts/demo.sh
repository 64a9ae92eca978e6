#!/usr/bin/env bash
# `make demo`: the whole pipeline offline. Starts a simulated Bitcoin network on loopback, crawls it with a
# loopback-only dial policy, analyses the run with the simnet's own MaxMind databases, stops the simnet and
# prints where the outputs are. Variables: DATA (default data), DEMO_NODES (default 3000), DEMO_SEED (default 42).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-data}
NODES=${DEMO_NODES:-3000}
SEED=${DEMO_SEED:-42}
SIMDIR="$DATA/simnet"
FLUXTURE=(node bin/fluxture.js)
LOOPBACK="127.0.0.0/8,::1/128"

rm -rf "$SIMDIR"
mkdir -p "$SIMDIR"
echo "demo: starting a simulated network of $NODES peers (seed $SEED) on loopback"
"${FLUXTURE[@]}" simnet --nodes "$NODES" --seed "$SEED" --out "$SIMDIR" --profile realistic --reply-delay-ms 200 \
  >"$SIMDIR/simnet.log" 2>&1 &
simnet_pid=$!
cleanup() {
  if kill -0 "$simnet_pid" 2>/dev/null; then
    kill -TERM "$simnet_pid" 2>/dev/null || true
    wait "$simnet_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

for _ in $(seq 1 600); do
  [ -f "$SIMDIR/ready" ] && break
  if ! kill -0 "$simnet_pid" 2>/dev/null; then
    echo "demo: the simnet exited before it was ready:" >&2
    tail -n 5 "$SIMDIR/simnet.log" >&2
    exit 1
  fi
  sleep 0.1
done
[ -f "$SIMDIR/ready" ] || { echo "demo: the simnet was not ready after 60 s (see $SIMDIR/simnet.log)" >&2; exit 1; }

echo "demo: crawling it (loopback-only dial policy)"
summary=$("${FLUXTURE[@]}" crawl --network simnet --data "$DATA" --no-dns-seeds --seed-file "$SIMDIR/seeds.txt" \
  --dial-allow "$LOOPBACK" --concurrency 500 --connect-timeout 2000 --handshake-timeout 3000 --getaddr-timeout 5000 --json)
run_id=$(node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")); process.stdout.write(s.runId)' <<<"$summary")
run_dir=$(node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")); process.stdout.write(s.runDir)' <<<"$summary")
echo "demo: crawled run $run_id"

cleanup
trap - EXIT INT TERM

echo "demo: analysing the run with the simnet's MaxMind databases"
"${FLUXTURE[@]}" analyze --data "$DATA" --run "$run_id" \
  --city-db "$SIMDIR/simnet-city.mmdb" --asn-db "$SIMDIR/simnet-asn.mmdb"

echo
echo "demo: done. Outputs:"
echo "  run folder     $run_dir"
echo "  datasets       $run_dir/{visits,addrs,geo,node_metrics,nodes}.parquet"
echo "  exports        $run_dir/exports/"
echo "  ground truth   $SIMDIR/ground-truth.json"
echo "  report         $run_dir/exports/report.html"
echo "  query it       node bin/fluxture.js query --data $DATA \"select country_code, reachable_nodes, share from mart_reachable_by_country where run_id = '$run_id' order by country_rank limit 10\""
