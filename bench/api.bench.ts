// The README's API example over the 3,000-node demo (scripts/demo.sh: simnet on loopback, crawl, analyze),
// run as a user runs it (a child process from a folder holding data/), target < 3 s; the same loop in-process,
// and, as a reference measured in the same run, the one-query-per-node lookup it replaced (on 200 nodes,
// extrapolated). Build the demo inside a private network namespace:
//   unshare -rn bash -c 'ip link set lo up; bash scripts/run-bench.sh bench/api.bench.ts'
// BENCH_API_DATA=DIR reuses a demo data folder instead of building one.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CrawlDatabase } from "../pipeline/api/index.ts";
import { median, report, timeRuns } from "./harness.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const EXAMPLE = join(ROOT, "docs/api-example.ts");
const TSX = import.meta.resolve("tsx");

function buildDemo(): { data: string; cleanup: () => void } {
  const given = process.env.BENCH_API_DATA;
  if (given) return { data: given, cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), "fluxture-api-bench-"));
  const data = join(dir, "data");
  console.log("building the 3,000-node demo (scripts/demo.sh) …");
  execFileSync("bash", ["scripts/demo.sh"], {
    cwd: ROOT,
    env: { ...process.env, DATA: data, DEMO_NODES: "3000", DEMO_SEED: "42", FLUXTURE_SIMNET_BASE: "127.77.0.0" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return { data, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const { data, cleanup } = buildDemo();
try {
  // a folder holding data/, as the README's example expects
  const cwd = mkdtempSync(join(tmpdir(), "fluxture-api-bench-cwd-"));
  mkdirSync(cwd, { recursive: true });
  symlinkSync(data, join(cwd, "data"));
  let lines = 0;
  const example = await timeRuns(() => {
    lines =
      execFileSync(process.execPath, ["--conditions=source", "--import", TSX, EXAMPLE], { cwd, encoding: "utf8", maxBuffer: 64 << 20 }).split("\n").length - 1;
  }, 5);
  report(`README example, whole process (${lines} lines printed)`, example, "s", { max: 3 });

  const db = await CrawlDatabase.open(data);
  try {
    let nodes = 0;
    let edges = 0;
    const loop = await timeRuns(async () => {
      nodes = 0;
      edges = 0;
      for await (const node of db.nodes({ reachableOnly: true })) {
        await node.getLocation();
        await node.getVersion();
        edges += (await node.getLatestEdges())?.edges.length ?? 0;
        nodes++;
      }
    }, 5);
    report(`in-process loop, batched latest edges (${nodes} nodes, ${edges} edges)`, loop, "s");

    const sample: { network: "simnet"; address: string; port: number }[] = [];
    for await (const node of db.nodes({ reachableOnly: true })) {
      if (sample.length < 200) sample.push({ network: "simnet", address: node.address, port: node.port });
    }
    const perNode = await timeRuns(async () => {
      for (const n of sample) await db.latestEdges(n.network, n.address, n.port);
    }, 3);
    const perNodeMs = (median(perNode) / sample.length) * 1000;
    report(
      "reference: one query per node (the old path), per node",
      perNode.map((s) => (s / sample.length) * 1000),
      "ms",
    );
    console.log(
      `reference extrapolated to ${nodes} nodes: ${((perNodeMs * nodes) / 1000).toFixed(1)} s; batched loop is ${((perNodeMs * nodes) / 1000 / median(loop)).toFixed(0)}× faster`,
    );
  } finally {
    await db.close();
  }
  rmSync(cwd, { recursive: true, force: true });
} finally {
  cleanup();
}
