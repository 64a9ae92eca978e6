// One CLI voice across every command: usage errors, env twins, --quiet, --network, --group-by, EPIPE, output paths.
// In-process through the program object (test/helpers/cli.ts), but for the bin's own exit status on a usage error
// and the closed-pipe exits, which only a real process can show.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdtempSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildProgram } from "../../cli/program.ts";
import { GROUP_BY_KEYS } from "../../cli/options.ts";
import { writeSampleRun, tenNodes } from "../helpers/sample-run.ts";
import { cli, FLUXTURE_BIN, fluxture } from "../helpers/cli.ts";

const data = mkdtempSync(join(tmpdir(), "fluxture-voice-"));
let runId = "";
let network = "";

before(async () => {
  const run = await writeSampleRun(data, { nodes: tenNodes() });
  runId = run.id;
  network = run.network;
});

/** Leaf commands of the program by name, with their long flags. */
function commands(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of buildProgram().commands)
    out.set(
      c.name(),
      c.options.map((o) => o.long ?? ""),
    );
  return out;
}

test("commander's usage errors speak like ours: one `fluxture: …` line, exit 2", async () => {
  for (const args of [["crawl", "--bogus"], ["kml"], ["nope"], ["query", "--format"], ["topology", "--group-by", "x"], ["runs", "extra"]]) {
    const r = await cli(args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^fluxture: /);
    assert.doesNotMatch(r.stderr, /^error:/m);
  }
  assert.equal((await cli(["--version"])).status, 0);
  assert.equal((await cli(["kml", "--help"])).status, 0);
  // the bin exits with that status
  const bin = fluxture(["crawl", "--bogus"]);
  assert.equal(bin.status, 2, bin.stderr);
  assert.match(bin.stderr, /^fluxture: crawl: unknown option '--bogus'/);
});

test("--quiet on every command; --network on every command that picks a run; the same --group-by keys everywhere", async () => {
  const all = commands();
  for (const [name, flags] of all) assert.ok(flags.includes("--quiet"), `${name} lacks --quiet`);
  for (const name of ["analyze", "geolocate", "topology", "kml", "geojson", "export", "report", "runs", "crawl"]) {
    assert.ok(all.get(name)?.includes("--network"), `${name} lacks --network`);
  }
  for (const name of ["topology", "kml", "geojson"]) {
    const help = (await cli([name, "--help"])).stdout.replace(/\s+/g, " ");
    assert.ok(help.includes(GROUP_BY_KEYS.join("|")), `${name}: ${help}`);
  }
  assert.deepEqual([...GROUP_BY_KEYS], ["ip", "city", "country", "continent", "asn", "version"]);
});

test("env twins are per command; an old global name is read only where it means one thing", async () => {
  // FLUXTURE_SEED (a crawl seed) no longer breaks topology's integer --seed
  const topo = await cli(["topology", "--data", data, "--json", "--quiet"], { env: { FLUXTURE_SEED: "127.0.0.1:8333" } });
  assert.equal(topo.status, 0, topo.stderr);
  const twin = await cli(["topology", "--data", data, "--json"], { env: { FLUXTURE_TOPOLOGY_SEED: "x" } });
  assert.equal(twin.status, 2);
  assert.match(twin.stderr, /^fluxture: --seed must be an integer/m);
  // FLUXTURE_FORMAT was shared by query and export: now FLUXTURE_QUERY_FORMAT / FLUXTURE_EXPORT_FORMAT
  const q = await cli(["query", "--data", data, "select 1 as one"], { env: { FLUXTURE_FORMAT: "bitnodes", FLUXTURE_QUERY_FORMAT: "csv" } });
  assert.equal(q.status, 0, q.stderr);
  assert.equal(q.stdout, "one\n1\n");
  // FLUXTURE_DATA means the same everywhere: still read
  const runs = await cli(["runs", "--json"], { env: { FLUXTURE_DATA: data } });
  assert.equal(runs.status, 0, runs.stderr);
  assert.ok(runs.stdout.includes(runId));
  assert.match((await cli(["crawl", "--help"])).stdout.replace(/\s+/g, " "), /env: FLUXTURE_CRAWL_SEED/);
});

test("a closed stdout pipe ends quietly with exit 0 (query | head, geojson - | head, report - | head)", async () => {
  const piped = async (args: readonly string[]): Promise<void> => {
    const quoted = [FLUXTURE_BIN, ...args].map((a) => `'${a}'`).join(" ");
    const child = spawn("bash", ["-c", `set -o pipefail; '${process.execPath}' ${quoted} | head -c 10 > /dev/null`], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const [status] = (await once(child, "close")) as [number | null];
    assert.equal(status, 0, `${args[0]}: ${stderr}`);
    assert.equal(stderr, "", `${args[0]}: ${stderr}`);
  };
  // side by side: three real processes, each waiting on its own pipe
  await Promise.all([
    piped(["query", "--data", data, "--format", "csv", "select * from range(2000000)"]),
    piped(["geojson", "--data", data, "-"]),
    piped(["report", "--data", data, "-"]),
  ]);
});

test("output path errors name the path typed, exit 2, no stack trace", async () => {
  for (const [args, message] of [
    [["kml", "--data", data, "no-such-dir/x.kml"], "fluxture: cannot write no-such-dir/x.kml: folder no-such-dir does not exist"],
    [["report", "--data", data, "no-such-dir/r.html"], "fluxture: cannot write no-such-dir/r.html: folder no-such-dir does not exist"],
    [["export", "--format", "csv", "--data", data, "no-such-dir/n.csv"], "fluxture: cannot write no-such-dir/n.csv: folder no-such-dir does not exist"],
    [["geojson", "--data", data, data], `fluxture: cannot write ${data}: it is a folder; give a file path`],
  ] as const) {
    const r = await cli([...args], { cwd: data });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim(), message);
  }
  if (process.getuid?.() !== 0) {
    const ro = join(data, "read-only");
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const r = await cli(["kml", "--data", data, join(ro, "x.kml")]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim(), `fluxture: cannot write ${join(ro, "x.kml")}: folder ${ro} is not writable`);
  }
});

test("--network picks the run; --group-by version groups map points by user agent", async () => {
  const wrong = await cli(["report", "--data", data, "--network", network === "mainnet" ? "testnet" : "mainnet", "-"]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /^fluxture: no succeeded run in .* \(network /);
  const out = join(data, "v.geojson");
  const r = await cli(["geojson", "--data", data, "--network", network, "--group-by", "version", out]);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(readFileSync(out, "utf8")) as { features: { geometry: { type: string }; properties: { group_by?: string } }[] };
  const points = doc.features.filter((f) => f.geometry.type === "Point");
  assert.ok(points.length > 0);
  assert.ok(points.every((f) => f.properties.group_by === "version"));
});

test("--quiet prints only errors", async () => {
  const r = await cli(["topology", "--data", data, "--quiet"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  const loud = await cli(["topology", "--data", data]);
  assert.match(loud.stderr, /info topology: run/);
  assert.doesNotMatch(loud.stderr, /topology: \w+ \d+ ms/); // no timing spam
});
