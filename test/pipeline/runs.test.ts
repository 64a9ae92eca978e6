// Run ids, run folders, manifests (atomic, validated), run lookup, and sealing by withRun (also on SIGINT/SIGTERM).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { CancelledError, DataError, UsageError } from "../../pipeline/errors.ts";
import { findRun, listRuns, newRunId, Run, runDir, runIdTime } from "../../pipeline/runs.ts";
import { withRun } from "../../pipeline/with-run.ts";
import { TOOL_VERSION } from "../../pipeline/version.ts";
import { readParts } from "../../pipeline/snapshot/index.ts";
import { VISITS } from "../../pipeline/schema/index.ts";
import { startFixture, stopFixture, type Child } from "./fixtures/child.ts";

const root = mkdtempSync(join(tmpdir(), "fluxture-runs-"));
const children: Child[] = [];
after(async () => {
  for (const c of children) await stopFixture(c);
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const freshDir = () => join(root, `data${n++}`);
const manifestOnDisk = (dir: string) => JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));

test("run ids are YYYYMMDDTHHMMSSZ in UTC and round-trip", () => {
  const at = new Date("2026-03-04T05:06:07.890Z");
  assert.equal(newRunId(at), "20260304T050607Z");
  assert.equal(runIdTime("20260304T050607Z").toISOString(), "2026-03-04T05:06:07.000Z");
  assert.match(newRunId(), /^\d{8}T\d{6}Z$/);
  assert.throws(() => runIdTime("2026-03-04"), UsageError);
  assert.equal(runDir("data", "mainnet", "20260304T050607Z"), join("data", "runs", "network=mainnet", "run_id=20260304T050607Z"));
});

test("Run.create writes a running manifest atomically; ids created in one second stay unique and sorted", async () => {
  const data = freshDir();
  const runs: Run[] = [];
  for (let i = 0; i < 3; i++) runs.push(await Run.create(data, "regtest", { seeds: ["127.0.0.1:18444"], max: 5n }));
  runs.push(await Run.create(data, "simnet", {})); // another network: ids still unique within the data folder
  const ids = runs.map((r) => r.id);
  assert.equal(new Set(ids).size, 4);
  assert.deepEqual([...ids].sort(), ids, "ids are in creation order");
  const first = runs[0]!;
  assert.equal(first.dir, runDir(data, "regtest", first.id));
  const m = manifestOnDisk(first.dir);
  assert.equal(m.run_id, first.id);
  assert.equal(m.network, "regtest");
  assert.equal(m.state, "running");
  assert.equal(m.finished_at, null);
  assert.equal(m.tool_version, TOOL_VERSION);
  assert.deepEqual(m.options, { seeds: ["127.0.0.1:18444"], max: "5" });
  assert.deepEqual(m.counts, {});
  assert.deepEqual(m.stages, {});
  assert.ok(Math.abs(Date.parse(m.started_at) - Date.now()) < 60_000);
  assert.deepEqual(readdirSync(first.dir), ["manifest.json"], "no temp file left behind");
  await assert.rejects(Run.create(data, "bogus" as never, {}), UsageError);
});

test("stages and seal states are recorded in the manifest on disk", async () => {
  const data = freshDir();
  for (const state of ["succeeded", "failed", "cancelled"] as const) {
    const run = await Run.create(data, "simnet", {});
    await run.recordStage("crawl", { state: "running", started_at: new Date().toISOString(), finished_at: null });
    assert.equal(manifestOnDisk(run.dir).stages.crawl.state, "running");
    await run.setCounts({ visits: 3 });
    await run.seal(state, { addrs: 9 }, state === "succeeded" ? undefined : `why ${state}`);
    const m = manifestOnDisk(run.dir);
    assert.equal(m.state, state);
    assert.ok(Date.parse(m.finished_at) >= Date.parse(m.started_at));
    assert.deepEqual(m.counts, { visits: 3, addrs: 9 });
    assert.equal(m.stages.crawl.state, state === "succeeded" ? "failed" : state, "a stage still running at seal did not finish");
    assert.equal(m.error, state === "succeeded" ? undefined : `why ${state}`);
  }
});

test("findRun defaults to the newest succeeded run, skipping other states; --network narrows; --run picks one", async () => {
  const data = freshDir();
  await assert.rejects(findRun(data), (e: unknown) => e instanceof DataError && e.message.includes(join(data, "runs")) && e.message.includes("no runs at all"));
  const a = await Run.create(data, "mainnet", {});
  await a.seal("succeeded");
  const b = await Run.create(data, "simnet", {});
  await b.seal("succeeded");
  const c = await Run.create(data, "mainnet", {});
  await c.seal("failed");
  const d = await Run.create(data, "mainnet", {}); // still running
  assert.equal((await findRun(data)).id, b.id);
  assert.equal((await findRun(data, { network: "mainnet" })).id, a.id);
  assert.equal((await findRun(data, { states: ["failed", "running"] })).id, d.id);
  assert.equal((await findRun(data, { run: c.id })).manifest.state, "failed", "an explicit run id is honoured whatever its state");
  await assert.rejects(findRun(data, { run: c.id, states: ["succeeded"] }), /is failed, expected succeeded/);
  await assert.rejects(
    findRun(data, { network: "signet" }),
    (e: unknown) => e instanceof DataError && /no succeeded run in .*runs \(network signet\)/.test(e.message),
  );
  await assert.rejects(findRun(data, { run: "20990101T000000Z" }), /run 20990101T000000Z not found in/);
  await assert.rejects(findRun(data, { run: "latest" }), UsageError);
  const err = await findRun(data, { network: "mainnet", states: ["cancelled"] }).catch((e: Error) => e);
  assert.match(String((err as Error).message), /3 run\(s\) in other states: 1 succeeded, 1 failed, 1 running/);
  const all = await listRuns(data);
  assert.deepEqual(
    all.map((r) => r.id),
    [a.id, b.id, c.id, d.id],
  );
});

test("a corrupt manifest is a DataError naming the file; listRuns skips it with a warning", async () => {
  const data = freshDir();
  const good = await Run.create(data, "simnet", {});
  await good.seal("succeeded");
  const bad = await Run.create(data, "simnet", {});
  writeFileSync(join(bad.dir, "manifest.json"), '{"run_id": "2026');
  const wrongShape = await Run.create(data, "simnet", {});
  writeFileSync(join(wrongShape.dir, "manifest.json"), JSON.stringify({ ...wrongShape.manifest, state: "done" }));
  mkdirSync(join(data, "runs", "network=simnet", "run_id=20200101T000000Z")); // crashed before its manifest
  mkdirSync(join(data, "runs", "network=simnet", "not-a-run"));
  const skipped: string[] = [];
  const runs = await listRuns(data, { onSkip: (dir, reason) => skipped.push(`${dir}: ${reason}`) });
  assert.deepEqual(
    runs.map((r) => r.id),
    [good.id],
  );
  assert.equal(skipped.length, 3);
  assert.ok(skipped.some((s) => s.includes(join(bad.dir, "manifest.json")) && s.includes("is corrupt")));
  assert.ok(skipped.some((s) => s.includes("state missing or not running|succeeded|failed|cancelled")));
  assert.ok(skipped.some((s) => s.includes("does not exist")));
  await assert.rejects(findRun(data, { run: bad.id }), (e: unknown) => e instanceof DataError && e.message.includes(join(bad.dir, "manifest.json")));
  assert.equal((await findRun(data)).id, good.id);
});

test("Run.reopen picks the newest unfinished run and sets it running again; attach leaves the state alone", async () => {
  const data = freshDir();
  const a = await Run.create(data, "simnet", {});
  await a.seal("cancelled", {}, "cancelled (SIGINT)");
  const b = await Run.create(data, "simnet", {});
  await b.seal("succeeded");
  const reopened = await Run.reopen(data, undefined, "simnet");
  assert.equal(reopened.id, a.id);
  const m = manifestOnDisk(a.dir);
  assert.equal(m.state, "running");
  assert.equal(m.finished_at, null);
  assert.equal(m.error, undefined);
  const attached = Run.attach(await findRun(data));
  assert.equal(attached.id, b.id);
  await attached.recordStage("geolocate", { state: "succeeded", started_at: "2026-01-01T00:00:00Z", finished_at: "2026-01-01T00:00:01Z", counts: { geo: 4 } });
  const mb = manifestOnDisk(b.dir);
  assert.equal(mb.state, "succeeded");
  assert.deepEqual(mb.stages.geolocate.counts, { geo: 4 });
});

test("withRun seals succeeded on return, failed on throw, cancelled when its signal fires", async () => {
  const data = freshDir();
  const ok = await Run.create(data, "simnet", {});
  assert.equal(await withRun(ok, async () => 7, { counts: (r) => ({ visits: r ?? -1 }) }), 7);
  assert.equal(manifestOnDisk(ok.dir).state, "succeeded");
  assert.deepEqual(manifestOnDisk(ok.dir).counts, { visits: 7 });

  const bad = await Run.create(data, "simnet", {});
  await assert.rejects(
    withRun(bad, async () => {
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(manifestOnDisk(bad.dir).state, "failed");
  assert.equal(manifestOnDisk(bad.dir).error, "boom");

  const cancelled = await Run.create(data, "simnet", {});
  const outer = new AbortController();
  setTimeout(() => outer.abort(new Error("--max-duration reached")), 20);
  await assert.rejects(
    withRun(cancelled, ({ signal }) => new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve())), { signal: outer.signal }),
    (e: unknown) => e instanceof CancelledError && e.exitCode === 130 && e.message.includes(cancelled.dir),
  );
  assert.equal(manifestOnDisk(cancelled.dir).state, "cancelled");
  assert.match(manifestOnDisk(cancelled.dir).error, /--max-duration reached/);
  assert.equal(process.listenerCount("SIGINT"), 0, "signal handlers are removed afterwards");
});

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  test(`${sig} cancels a crawl under withRun: the run is sealed cancelled and its rows are kept`, async () => {
    const data = freshDir();
    const child = startFixture("run-child", [data]);
    children.push(child);
    const dir = (await child.waitFor(/STARTED (.*)\n/))[1]!;
    await child.waitFor(/ROWS \d+/);
    child.proc.kill(sig);
    assert.equal(await child.exited, 130);
    assert.match(child.stdout(), new RegExp(`ERROR run \\d{8}T\\d{6}Z cancelled \\(${sig}\\); data kept in`));
    const sealed = Number(/SEALED (\d+)/.exec(child.stdout())![1]);
    assert.ok(sealed >= 200);
    const m = manifestOnDisk(dir);
    assert.equal(m.state, "cancelled");
    assert.equal(m.counts.visits, sealed);
    assert.ok(existsSync(join(dir, "visits.parquet")));
    assert.equal((await readParts(dir, VISITS)).length, sealed);
    assert.equal(existsSync(join(dir, "parts")), false);
  });
}

test("a failing crawl under withRun is sealed failed with its error, and its parts are kept", async () => {
  const data = freshDir();
  const child = startFixture("run-child", [data, "fail"]);
  children.push(child);
  const dir = (await child.waitFor(/STARTED (.*)\n/))[1]!;
  assert.equal(await child.exited, 70);
  const m = manifestOnDisk(dir);
  assert.equal(m.state, "failed");
  assert.equal(m.error, "simulated crawl failure");
  assert.equal((await readParts(dir, VISITS)).length, 200);
});

test("a second SIGINT seals the run cancelled at once and exits 130, even if the crawl ignores the first", async () => {
  const data = freshDir();
  const child = startFixture("run-child", [data, "stubborn"]);
  children.push(child);
  const dir = (await child.waitFor(/STARTED (.*)\n/))[1]!;
  await child.waitFor(/ROWS \d+/);
  child.proc.kill("SIGINT");
  await child.waitFor(/IGNORING/);
  child.proc.kill("SIGINT");
  assert.equal(await child.exited, 130);
  assert.match(child.stderr(), /SIGINT again: sealing run \d+T\d+Z as cancelled and exiting/);
  const m = manifestOnDisk(dir);
  assert.equal(m.state, "cancelled");
  assert.equal(m.error, "cancelled (SIGINT)");
  assert.ok((await readParts(dir, VISITS)).length > 0, "rows flushed before the exit stay durable");
});

test("a CancelledError thrown by the body (e.g. its own deadline) seals cancelled, not failed", async () => {
  const run = await Run.create(freshDir(), "simnet", {});
  await assert.rejects(
    withRun(run, async () => {
      throw new CancelledError("deadline reached");
    }),
    CancelledError,
  );
  assert.equal(manifestOnDisk(run.dir).state, "cancelled");
  assert.equal(manifestOnDisk(run.dir).error, "deadline reached");
});
