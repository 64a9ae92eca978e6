// The original fluxture's command forms, each run once as its users typed them: a crawl.db positional is imported
// into a data folder beside it and the command proceeds; the original's flags are aliases; removed flags stop with
// one line giving the exact new command. In-process through the program object (the rewrite happens in its
// execute()), in the folder beside crawl.db as a user would type them.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cli } from "../helpers/cli.ts";
import { buildSqlite } from "./helpers.ts";

const root = mkdtempSync(join(tmpdir(), "fluxture-legacy-"));
after(() => rmSync(root, { recursive: true, force: true }));
buildSqlite(root, "crawl.db");
const CITY = fileURLToPath(new URL("../fixtures/mmdb/GeoLite2-City-Test.mmdb", import.meta.url));
const cache = join(root, "crawl.db.fluxture");

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => cli(args, { cwd: root, env: { FLUXTURE_DATA: undefined, ...env } });
const ok = async (args: string[]) => {
  const r = await run(args);
  assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
  return r;
};

test("fluxture kml --group-by ip crawl.db output.kml: imported beside the file, then the map of its newest crawl", async () => {
  const r = await ok(["kml", "--group-by", "ip", "crawl.db", "output.kml"]);
  assert.match(
    r.stderr,
    /crawl\.db is an original fluxture crawl database: imported into crawl\.db\.fluxture \(2 runs, newest 20210201T000000Z\); running fluxture kml --data crawl\.db\.fluxture --run 20210201T000000Z --group-by ip output\.kml/,
  );
  assert.ok(existsSync(join(cache, "runs", "network=mainnet", "run_id=20210101T000000Z", "visits.parquet")));
  const kml = readFileSync(join(root, "output.kml"), "utf8");
  assert.match(kml, /<Document id="fluxture-20210201T000000Z">/);
  assert.match(kml, /13\.13\.13\.13/);
  // a second old-form command reuses the import
  const again = await ok(["kml", "-g", "country", "crawl.db", "countries.kml"]);
  assert.match(again.stderr, /already imported in crawl\.db\.fluxture/);
  assert.match(readFileSync(join(root, "countries.kml"), "utf8"), /JP/);
});

test("topology, export, geojson, geolocate and unreachable take the crawl.db positional with the original's flags", async () => {
  const topo = await ok(["topology", "crawl.db"]);
  assert.match(topo.stdout, /^# run 20210201T000000Z \(mainnet\)/);
  assert.match(topo.stdout, /13\.13\.13\.13:8333/);
  const grouped = await ok(["topology", "-g", "country", "-c", "crawl.db"]);
  assert.match(grouped.stdout, /JP/);
  const arff = await ok(["export", "crawl.db"]); // the original's default format
  assert.match(arff.stdout, /^@RELATION /m);
  await ok(["export", "-f", "csv", "crawl.db", "nodes.csv"]);
  assert.match(readFileSync(join(root, "nodes.csv"), "utf8"), /^address,port,/);
  await ok(["geojson", "crawl.db", "nodes.geojson"]);
  assert.equal(JSON.parse(readFileSync(join(root, "nodes.geojson"), "utf8")).type, "FeatureCollection");
  const geo = await ok(["geolocate", "-a", "--city-db-path", CITY, "crawl.db"]);
  assert.match(geo.stderr, /running fluxture geolocate --data crawl\.db\.fluxture --all -a --city-db /);
  assert.equal((geo.stdout.match(/^.*20210[12]01T000000Z.*$/gm) ?? []).length, 2, geo.stdout);
  const unreachable = await ok(["unreachable", "crawl.db", "--format", "csv"]);
  const [header, first] = unreachable.stdout.split("\n") as [string, string];
  const row = Object.fromEntries(header.split(",").map((name, i) => [name, first.split(",")[i]]));
  // crawl 1: CONNECTION_FAILED (13) and ATTEMPTED_CONNECTION (5) → connect_failed; refused/timeout/no route unknowable
  assert.deepEqual([row.run_id, row.connect_failed_nodes, row.refused_nodes, row.reset_nodes, row.reachable_nodes], ["20210101T000000Z", "2", "0", "1", "8"]);
});

test("an explicit --data (or its env twin) is where an old form imports to", async () => {
  const data = join(root, "lake");
  await ok(["topology", "--data", data, "crawl.db"]);
  assert.ok(existsSync(join(data, "runs", "network=mainnet", "run_id=20210201T000000Z", "manifest.json")));
  const twin = join(root, "twin-lake");
  const r = await run(["topology", "crawl.db"], { FLUXTURE_TOPOLOGY_DATA: twin });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(twin, "runs", "network=mainnet", "run_id=20210201T000000Z", "manifest.json")));
});

test("removed flags stop with one line naming the exact new command (and never echo a license key)", async () => {
  const cases: [string[], string][] = [
    [
      ["crawl", "bitcoin", "--database", "crawl.db"],
      "fluxture: crawl --database is gone: runs are Parquet folders in a data folder, not one SQLite file; run fluxture crawl bitcoin --data crawl (and fluxture import-fluxture crawl.db --data crawl for the existing database)\n",
    ],
    [
      ["crawl", "-db", "new.db", "bitcoin", "-m", "200"],
      "fluxture: crawl --database is gone: runs are Parquet folders in a data folder, not one SQLite file; run fluxture crawl bitcoin -m 200 --data new\n",
    ],
    [
      ["crawl", "bitcoin", "--maxmind-license-key", "s3cr3t-key"],
      "fluxture: --maxmind-license-key is gone: license keys come from the environment, never a flag (a flag lands in shell history); run MAXMIND_ACCOUNT_ID=<id> MAXMIND_LICENSE_KEY=<key> fluxture update-geo-db, then fluxture crawl bitcoin\n",
    ],
    [
      ["update-geo-db", "--maxmind-license-key=s3cr3t-key"],
      "fluxture: --maxmind-license-key is gone: license keys come from the environment, never a flag (a flag lands in shell history); run MAXMIND_ACCOUNT_ID=<id> MAXMIND_LICENSE_KEY=<key> fluxture update-geo-db\n",
    ],
    [
      ["crawl", "bitcoin", "--city-db-path", "City.mmdb"],
      "fluxture: crawl does not geolocate while crawling: run fluxture crawl bitcoin, then fluxture analyze --city-db City.mmdb\n",
    ],
  ];
  for (const [args, line] of cases) {
    const r = await run(args);
    assert.equal(r.status, 2, args.join(" "));
    assert.equal(r.stderr, line);
    assert.doesNotMatch(r.stderr, /s3cr3t/);
  }
  // --max-connections is --concurrency: its value is checked as such
  const m = await run(["crawl", "bitcoin", "--max-connections", "0", "--no-dns-seeds"]);
  assert.equal(m.status, 2);
  assert.match(m.stderr, /--concurrency/);
});
