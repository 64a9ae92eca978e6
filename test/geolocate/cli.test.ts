// `fluxture geolocate` as a user runs it (child process): one-line errors with non-zero exits and nothing written
// for bad databases, the ASN notice, env-var twins, --json summaries and the skip on a rerun.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GEO } from "../../pipeline/schema/geo.ts";
import { errorLines, FIXTURES, readParquetRows, runCli, tempDir, writeRun } from "./helpers.ts";

const ADDRESSES = [
  { address: "81.2.69.142", networkType: "ipv4" as const },
  { address: "1.128.0.1", networkType: "ipv4" as const },
];

/** Every file under `dir` with its bytes, to prove a failed command wrote nothing. */
async function snapshotTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(path, (await readFile(path)).toString("base64"));
  }
  return out;
}

test("bad databases: one line naming the file and how to get one, exit 1, nothing written", async (t) => {
  const tmp = await tempDir("geocli-bad");
  t.after(tmp.cleanup);
  const data = join(tmp.dir, "data");
  await writeRun(data, ADDRESSES);
  const junk = join(tmp.dir, "junk.mmdb");
  await writeFile(junk, "definitely not a MaxMind database\n");
  const before = await snapshotTree(data);
  const cases: [string[], RegExp][] = [
    [
      [],
      new RegExp(
        `^fluxture: City database ${join(data, "geo", "GeoLite2-City.mmdb")} not found; download it with \`fluxture update-geo-db\`.* or pass --city-db PATH$`,
      ),
    ],
    [["--city-db", FIXTURES.country], /^fluxture: .*GeoLite2-Country-Test\.mmdb is a GeoLite2-Country database, not a City database; .*update-geo-db/],
    [["--city-db", junk], /^fluxture: City database .*junk\.mmdb is not a MaxMind DB file \(.*\); .*update-geo-db/],
    [
      ["--city-db", FIXTURES.city, "--asn-db", FIXTURES.city],
      /^fluxture: .*GeoLite2-City-Test\.mmdb is a GeoLite2-City database, not a ASN database; .*--asn-db PATH$/,
    ],
    [["--city-db", FIXTURES.city, "--asn-db", junk], /^fluxture: ASN database .*junk\.mmdb is not a MaxMind DB file/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli(["geolocate", "--data", data, ...args]);
    assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
    const lines = errorLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, pattern);
    assert.equal(r.stdout, "");
  }
  assert.deepEqual(await snapshotTree(data), before);
});

test("the CLI geolocates with env-var databases, notes a missing ASN database in one line, and skips on rerun", async (t) => {
  const tmp = await tempDir("geocli-ok");
  t.after(tmp.cleanup);
  const data = join(tmp.dir, "data");
  const run = await writeRun(data, ADDRESSES);
  const noAsn = await runCli(["geolocate", "--data", data, "--json"], { FLUXTURE_CITY_DB: FIXTURES.city, FLUXTURE_ASN_DB: join(tmp.dir, "none.mmdb") });
  assert.equal(noAsn.status, 0, noAsn.stderr);
  const notices = noAsn.stderr.split("\n").filter((l) => l.includes("ASN database"));
  assert.equal(notices.length, 1, noAsn.stderr);
  assert.match(notices[0]!, /notice: ASN database .*none\.mmdb not found.*asn and as_org stay null/);
  const summary = JSON.parse(noAsn.stdout) as { asn_db: unknown; runs: { run_id: string; action: string; counts: Record<string, number> }[] };
  assert.equal(summary.asn_db, null);
  assert.deepEqual(
    summary.runs.map((r) => [r.run_id, r.action, r.counts.located]),
    [[run.id, "geolocated", 1]],
  );

  const withAsn = await runCli(["geolocate", "--data", data, "--run", run.id], { FLUXTURE_CITY_DB: FIXTURES.city, FLUXTURE_ASN_DB: FIXTURES.asn });
  assert.equal(withAsn.status, 0, withAsn.stderr);
  assert.match(withAsn.stdout, new RegExp(`^simnet ${run.id}: geolocated 2 addresses \\(2 located\\) in [\\d.]+ s \\[ASN database now available\\]\\n$`));
  const rows = await readParquetRows(join(run.dir, GEO.file));
  assert.deepEqual(
    rows.map((r) => [r.address, r.city, r.asn]),
    [
      ["1.128.0.1", null, 1221],
      ["81.2.69.142", "London", null],
    ],
  );

  const rerun = await runCli(["geolocate", "--data", data, "--city-db", FIXTURES.city, "--asn-db", FIXTURES.asn]);
  assert.equal(rerun.status, 0, rerun.stderr);
  assert.equal(rerun.stdout, `simnet ${run.id}: skipped (already geolocated with these database builds)\n`);
  const forced = await runCli(["geolocate", "--data", data, "--city-db", FIXTURES.city, "--asn-db", FIXTURES.asn, "--process-all", "--json"]);
  assert.equal((JSON.parse(forced.stdout) as { runs: { action: string }[] }).runs[0]!.action, "geolocated");
});

test("default databases under <data>/geo; usage errors exit 2; no run is a clear error", async (t) => {
  const tmp = await tempDir("geocli-misc");
  t.after(tmp.cleanup);
  const data = join(tmp.dir, "data");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(join(data, "geo"), { recursive: true });
  await copyFile(FIXTURES.city, join(data, "geo", "GeoLite2-City.mmdb"));
  await copyFile(FIXTURES.asn, join(data, "geo", "GeoLite2-ASN.mmdb"));
  const none = await runCli(["geolocate", "--data", data]);
  assert.equal(none.status, 1);
  assert.match(errorLines(none.stderr)[0]!, /^fluxture: no succeeded run in .*runs \(no runs at all\)$/);
  const run = await writeRun(data, ADDRESSES);
  const both = await runCli(["geolocate", "--data", data, "--run", run.id, "--all"]);
  assert.equal(both.status, 2);
  assert.deepEqual(errorLines(both.stderr), ["fluxture: --run and --all exclude each other"]);
  const ok = await runCli(["geolocate", "--data", data, "--all", "--json"]);
  assert.equal(ok.status, 0, ok.stderr);
  const summary = JSON.parse(ok.stdout) as { city_db: { path: string }; runs: { action: string }[] };
  assert.equal(summary.city_db.path, join(data, "geo", "GeoLite2-City.mmdb"));
  assert.deepEqual(
    summary.runs.map((r) => r.action),
    ["geolocated"],
  );
  assert.deepEqual(
    (await readdir(data)).filter((f) => f === ".lock"),
    [],
  ); // the data lock was released
});
