// A generated mainnet-size run for the scale tests: 250,000 nodes on loopback addresses, 90% reachable, each
// reachable node advertising two others (450,000 edges), every node located near one of five real places.
// Under scripts/run-tests.sh the run is generated once per suite run (test/helpers/suite-cache.ts) and each test
// gets its own copy; a file run by itself generates its own.
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRun, Run } from "../../pipeline/runs.ts";
import { PLACES, writeSampleRun, type SampleNode } from "../helpers/sample-run.ts";
import { suiteFolder } from "../helpers/suite-cache.ts";

/** Nodes of the generated run. */
export const NODES = 250_000;

const ip = (i: number) => `127.${1 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}`;

function nodes(): SampleNode[] {
  return Array.from({ length: NODES }, (_, i) => {
    const place = PLACES[i % PLACES.length]!;
    const down = i % 10 === 9;
    return {
      address: ip(i),
      port: 8333,
      outcome: down ? "timeout" : "ok",
      userAgent: down ? null : `/Satoshi:${20 + (i % 8)}.0.0/`,
      place: { ...place, latitude: place.latitude + ((i % 1000) - 500) / 1000, longitude: place.longitude + (((i / 1000) | 0) % 500) / 1000 },
      advertises: down ? [] : [(i + 1) % NODES, (i * 7 + 3) % NODES],
    };
  });
}

/** Writes the run (sealed, with geo and node metrics) into a new temp data folder. */
export async function mainnetSizeRun(): Promise<{ data: string; run: Run }> {
  const data = mkdtempSync(join(tmpdir(), "fluxture-mainnet-size-"));
  const source = await suiteFolder("mainnet-250k", async (dir) => {
    await writeSampleRun(dir, { nodes: nodes() });
  });
  if (source === undefined) return { data, run: await writeSampleRun(data, { nodes: nodes() }) };
  cpSync(source, data, { recursive: true });
  return { data, run: Run.attach(await findRun(data)) };
}
