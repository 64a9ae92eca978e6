// Ordinary user mistakes end in one `fluxture:` line naming the user's path and exit 1 or 2, never 70 with a stack:
// a damaged Parquet file in a run, a read-only run folder, a typo in --data, a crawl that reached nobody, a run
// whose crawl-seeds.json is gone. In-process through the program object (test/helpers/cli.ts), but for the commands
// run under a real read-only bind mount and the crawl that dials, which are real CLI processes in namespaces of their own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, FLUXTURE_BIN, fluxtureInPrivateNetwork, type CliResult } from "../helpers/cli.ts";
import { tenNodes, writeSampleRun } from "../helpers/sample-run.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { Run } from "../../pipeline/runs.ts";

const CITY = join(process.cwd(), "test/fixtures/mmdb/GeoLite2-City-Test.mmdb");

/** Exactly one stderr line, `fluxture: …`, matching `re`; exit 1 or 2. */
function oneLine(r: CliResult, re: RegExp, what: string): void {
  assert.ok(r.status === 1 || r.status === 2, `${what}: exit ${r.status}\n${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  const errors = lines.filter((l) => l.startsWith("fluxture: "));
  assert.equal(errors.length, 1, `${what}: ${r.stderr}`);
  assert.match(errors[0]!, re, what);
  assert.doesNotMatch(r.stderr, /\.tmp\b|^\s+at /m, `${what}: a temp path or a stack trace`);
}

test("a truncated visits.parquet: geolocate, kml, geojson, export and topology name the file, exit 1", async (t) => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-corrupt-"));
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const run = await writeSampleRun(data, { nodes: tenNodes() });
  const visits = join(run.dir, "visits.parquet");
  truncateSync(visits, Math.floor(statSync(visits).size / 2));
  const named = new RegExp(`^fluxture: (run \\d{8}T\\d{6}Z: )?${visits.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not a whole Parquet file`);
  oneLine(await cli(["geolocate", "--data", data, "--city-db", CITY, "--process-all"]), named, "geolocate");
  oneLine(await cli(["kml", join(data, "x.kml"), "--data", data]), named, "kml");
  oneLine(await cli(["geojson", join(data, "x.geojson"), "--data", data]), named, "geojson");
  oneLine(await cli(["export", join(data, "x.csv"), "--format", "csv", "--data", data]), named, "export");
  oneLine(await cli(["topology", "--data", data]), named, "topology");
});

test("a read-only run folder: topology and geolocate say they cannot write there, exit 1", async (t) => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-readonly-"));
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const run = await writeSampleRun(data, { nodes: tenNodes(), withMetrics: false, withGeo: false });
  const readOnly = (args: string[]): CliResult => {
    // a private mount namespace: the run folder is bind-mounted read-only for this one command
    const r = spawnSync(
      "unshare",
      [
        "-rm",
        "sh",
        "-c",
        'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"',
        "sh",
        run.dir,
        process.execPath,
        FLUXTURE_BIN,
        ...args,
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const dir = run.dir.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  oneLine(readOnly(["topology", "--data", data]), new RegExp(`^fluxture: cannot write ${dir}/\\S+: folder ${dir}\\S* is not writable`), "topology");
  oneLine(
    readOnly(["geolocate", "--data", data, "--city-db", CITY]),
    new RegExp(`^fluxture: cannot write ${dir}/\\S+: folder ${dir}\\S* is not writable`),
    "geolocate",
  );
  assert.equal((await readManifest(join(run.dir, "manifest.json"))).state, "succeeded");
});

test("analyze and geolocate with a --data typo: one line, and no folder is created", async () => {
  const typo = join(tmpdir(), `fluxture-no-such-data-${process.pid}`);
  for (const cmd of [["analyze"], ["geolocate", "--city-db", CITY]]) {
    oneLine(await cli([...cmd, "--data", typo]), /^fluxture: data folder .* does not exist/, cmd[0]!);
    assert.equal(existsSync(typo), false, `${cmd[0]} created ${typo}`);
  }
});

test("a crawl that reached nobody is sealed failed, exits 1 with one line, and never becomes the default run", async (t) => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-nobody-"));
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const earlier = await writeSampleRun(data, { nodes: tenNodes(), startedAt: new Date("2026-01-01T00:00:00Z") });
  // nothing listens on 127.0.0.1:9; loopback only, in a private network namespace
  const r = fluxtureInPrivateNetwork([
    "crawl",
    "bitcoin",
    "--network",
    "simnet",
    "--data",
    data,
    "--no-dns-seeds",
    "--no-previous-run",
    "--seed",
    "127.0.0.1:9",
  ]);
  oneLine(r, /^fluxture: run \d{8}T\d{6}Z: no node was reachable \(1 dialled: refused 1\)/, "crawl");
  const runs = JSON.parse((await cli(["runs", "--data", data, "--json"])).stdout) as { run_id: string; state: string }[];
  assert.deepEqual(
    runs.map((x) => x.state),
    ["succeeded", "failed"],
  );
  // the default run of later commands is still the earlier, succeeded one
  const q = await cli(["export", "-", "--format", "csv", "--data", data]);
  assert.equal(q.status, 0, q.stderr);
  assert.equal(q.stdout.trim().split("\n").length, 11);
  assert.ok(existsSync(earlier.dir));
});

test("a run whose crawl-seeds.json is missing: --resume ID seals it failed; --resume alone passes it over", async (t) => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-noseeds-"));
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const run = await Run.create(data, "simnet", { crawl: { seeds: ["127.0.0.1:9"], max_nodes: null } });
  assert.equal(run.state, "running");
  const r = await cli(["crawl", "bitcoin", "--network", "simnet", "--data", data, "--resume", run.id]);
  oneLine(r, /^fluxture: cannot resume: .*crawl-seeds\.json is missing/, "--resume ID");
  const manifest = await readManifest(join(run.dir, "manifest.json"));
  assert.equal(manifest.state, "failed");
  assert.match(manifest.error ?? "", /crawl-seeds\.json/);
  const again = await cli(["crawl", "bitcoin", "--network", "simnet", "--data", data, "--resume"]);
  oneLine(again, /^fluxture: no running\/cancelled\/failed run in .* can be resumed/, "--resume");
  assert.ok(existsSync(join(run.dir, "manifest.json")));
  assert.equal(readFileSync(join(run.dir, "manifest.json"), "utf8").includes('"state": "failed"'), true);
  unlinkSync(join(run.dir, "manifest.json"));
});

test("analyze on a run whose addrs.parquet was deleted: never done, the step recorded failed", async (t) => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-missing-addrs-"));
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const run = await writeSampleRun(data, { nodes: tenNodes(), withGeo: false, withMetrics: false });
  const first = await cli(["analyze", "--data", data]);
  assert.equal(first.status, 0, first.stderr);
  const addrs = join(run.dir, "addrs.parquet");
  unlinkSync(addrs);
  const r = await cli(["analyze", "--data", data]);
  oneLine(r, new RegExp(`${addrs.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is missing, its manifest records \\d+ rows`), "analyze");
  assert.doesNotMatch(r.stdout, /topology: (done|already_done)/);
  const manifest = await readManifest(join(run.dir, "manifest.json"));
  const failed = Object.entries(manifest.stages).filter(([, s]) => s.state === "failed");
  assert.equal(failed.length, 1, JSON.stringify(manifest.stages));
  assert.match(String((failed[0]![1].details as { error?: string } | undefined)?.error), /addrs\.parquet is missing/);
});
