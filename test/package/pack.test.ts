// The package as a user installs it: `npm pack` (its `prepare` script builds dist/), the tarball installed into an empty
// project from the npm cache (offline: the tests run without a network), the README's example run as plain .mjs
// (no tsx) against a small crawl, a .ts consumer type-checked with tsc against the shipped .d.ts, and
// `npx fluxture --help`. Install scripts run as for a user; better-sqlite3's finds its prebuilt binary (the one
// this checkout built) where prebuild-install looks for local prebuilds, instead of compiling SQLite for minutes.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { tenNodes, writeSampleRun } from "../helpers/sample-run.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "fluxture-pack-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const CONSUMER = `import { CrawlDatabase, type CrawlGraph, type LatestEdges, type NodesOptions } from "fluxture";
const db = await CrawlDatabase.open("data");
try {
  const graph: CrawlGraph = await db.graph();
  const filter: NodesOptions = { networkType: ["ipv4", "ipv6"], country: "us" };
  for await (const node of db.nodes(filter)) {
    const latest: LatestEdges | null = await node.getLatestEdges();
    console.log(String(node), latest?.edges.length ?? 0, graph.order, graph.getNodeAttributes(String(node)).pagerank);
  }
} finally {
  await db.close();
}
`;

/** A folder holding better-sqlite3's prebuild for this Node, named as prebuild-install looks it up, made from our build. */
function localPrebuilds(): string {
  const pkg = join(ROOT, "node_modules/better-sqlite3");
  const { version } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as { version: string };
  const prebuilds = join(dir, "prebuilds");
  mkdirSync(prebuilds, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync("tar", ["czf", join(prebuilds, name), "-C", pkg, "build/Release/better_sqlite3.node"]);
  return prebuilds;
}

test("npm pack → npm install in an empty project → the README example, a typed consumer and the bin work", { timeout: 900_000 }, async () => {
  execFileSync("npm", ["pack", "--pack-destination", dir], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  const tarball = join(dir, `fluxture-${(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version}.tgz`);
  const files = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).trim().split("\n");
  for (const f of [
    "package/dist/pipeline/api/index.js",
    "package/dist/pipeline/api/index.d.ts",
    "package/dist/cli/program.js",
    "package/dist/tools/simnet/worker.js",
    "package/sql/views.sql",
    "package/bin/fluxture.js",
    "package/README.md",
    "package/LICENSE",
  ]) {
    assert.ok(files.includes(f), `${f} in the tarball`);
  }
  assert.deepEqual(
    files.filter((f) => /\.test\.|^package\/(test|bench)\//.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts"))),
    [],
    "no tests, no benchmarks, no TypeScript sources",
  );

  const project = join(dir, "project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], {
    cwd: project,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, npm_config_better_sqlite3_local_prebuilds: localPrebuilds() },
  });
  const sqlite = spawnSync(process.execPath, ["-e", "new (require('better-sqlite3'))(':memory:').close()"], { cwd: project, encoding: "utf8" });
  assert.equal(sqlite.status, 0, `better-sqlite3's install script left no working binary: ${sqlite.stderr}`);
  await writeSampleRun(join(project, "data"), { nodes: tenNodes() });

  // the README's example, types stripped, as a plain .mjs file: node alone (no tsx) runs the compiled package
  const example = readFileSync(join(ROOT, "docs/api-example.ts"), "utf8").replace(/db\.query<\{[^>]*\}>\(/, "db.query(");
  writeFileSync(join(project, "example.mjs"), example);
  const run = spawnSync(process.execPath, ["example.mjs"], { cwd: project, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^1 runs, 1 sealed\n/);
  assert.ok(run.stdout.split("\n").length > 3, run.stdout);

  // a TypeScript consumer type-checks against the shipped declarations
  writeFileSync(join(project, "consumer.ts"), CONSUMER);
  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, "node_modules/typescript/bin/tsc"),
      "--noEmit",
      "--strict",
      "--target",
      "ES2022",
      "--module",
      "NodeNext",
      "--moduleResolution",
      "NodeNext",
      "--skipLibCheck",
      "--types",
      "node",
      "--typeRoots",
      join(ROOT, "node_modules/@types"),
      "consumer.ts",
    ],
    { cwd: project, encoding: "utf8" },
  );
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);

  const help = spawnSync("npx", ["--no-install", "fluxture", "--help"], { cwd: project, encoding: "utf8" });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: fluxture /);
  const version = spawnSync("npx", ["--no-install", "fluxture", "runs", "--data", "data", "--json"], { cwd: project, encoding: "utf8" });
  assert.equal(version.status, 0, version.stderr);
  assert.equal((JSON.parse(version.stdout) as unknown[]).length, 1);
});
