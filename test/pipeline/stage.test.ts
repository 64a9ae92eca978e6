// runStage: the lock, the running → succeeded/failed/cancelled record, and "already done / stale" from declared inputs.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CancelledError, LockedError } from "../../pipeline/errors.ts";
import { acquireLock, readLock } from "../../pipeline/lock.ts";
import { findRun, Run, type RunInfo } from "../../pipeline/runs.ts";
import { VISITS } from "../../pipeline/schema/index.ts";
import { writeParquet } from "../../pipeline/snapshot/index.ts";
import { runStage, type StageDefinition } from "../../pipeline/stage.ts";
import { visitRow } from "../helpers/visit-row.ts";

async function sealedRun(): Promise<{ data: string; info: RunInfo }> {
  const data = mkdtempSync(join(tmpdir(), "fluxture-stage-"));
  const run = await Run.create(data, "simnet");
  await writeParquet(join(run.dir, VISITS.file), VISITS, [visitRow()]);
  await run.seal("succeeded");
  return { data, info: await findRun(data, { run: run.id }) };
}

/** A stage reading visits.parquet and writing out.txt, counting its runs and checking it holds the lock. */
function counting(data: string, body?: () => Promise<void>): StageDefinition<number> & { runs: number } {
  const def = {
    runs: 0,
    name: "demo",
    inputs: { datasets: ["visits.parquet"], params: { k: 1 } },
    outputs: ["out.txt"],
    async body({ run }: { run: RunInfo }) {
      assert.equal((await readLock(data))?.purpose, `demo ${run.id}`, "the body runs under the data lock");
      await body?.();
      writeFileSync(join(run.dir, "out.txt"), "x");
      def.runs++;
      return { result: def.runs, detail: `run ${def.runs}`, counts: { rows: 1 } };
    },
  };
  return def;
}

test("a stage runs once, is already done while its inputs and outputs are unchanged, and redoes when one changes", async () => {
  const { data, info } = await sealedRun();
  const def = counting(data);
  const first = await runStage(info, def);
  assert.deepEqual([first.status, first.reason, first.result], ["done", "never ran", 1]);
  const rec = first.run.manifest.stages.demo!;
  assert.equal(rec.state, "succeeded");
  assert.deepEqual(rec.counts, { rows: 1 });
  assert.equal(rec.inputs?.["param:k"], "1");
  assert.equal(existsSync(join(data, ".lock")), false, "the lock is released");

  assert.equal((await runStage(info, def)).status, "already_done");
  await writeParquet(join(info.dir, VISITS.file), VISITS, [visitRow(), visitRow({ port: 8334 })]);
  const redo = await runStage(info, def);
  assert.equal(redo.status, "done");
  assert.match(redo.reason, /^visits\.parquet changed since /);
  assert.equal((await runStage(info, { ...def, inputs: { ...def.inputs, params: { k: 2 } } })).reason.split(" since")[0], "option k changed");
  assert.equal((await runStage(info, def, { force: true })).reason, "forced");
  assert.equal(def.runs, 4);
});

test("a failing body is recorded failed and rethrown; a cancelled one is recorded cancelled (CancelledError)", async () => {
  const { data, info } = await sealedRun();
  await assert.rejects(
    runStage(
      info,
      counting(data, async () => {
        throw new Error("disk on fire");
      }),
    ),
    /disk on fire/,
  );
  let manifest = (await findRun(data, { run: info.id })).manifest;
  assert.equal(manifest.stages.demo?.state, "failed");
  assert.equal(manifest.stages.demo?.details?.error, "disk on fire");

  const outer = new AbortController();
  const slow = counting(data, () => new Promise<void>((resolve) => setImmediate(() => (outer.abort(new Error("deadline")), resolve()))));
  await assert.rejects(runStage(info, slow, { signal: outer.signal }), CancelledError);
  manifest = (await findRun(data, { run: info.id })).manifest;
  assert.equal(manifest.stages.demo?.state, "cancelled");
  assert.equal(manifest.stages.demo?.details?.error, "cancelled (deadline)");
  // neither counts as done: the next invocation runs the stage
  assert.equal((await runStage(info, counting(data))).reason, "previous demo cancelled");
});

test("a stage refuses while another holder has the data lock, and runs under a lock its caller holds", async () => {
  const { data, info } = await sealedRun();
  const lock = await acquireLock(data, "crawl");
  try {
    await assert.rejects(runStage(info, counting(data)), LockedError);
    const def = counting(data);
    def.body = async ({ run }) => {
      writeFileSync(join(run.dir, "out.txt"), "x");
      return { result: 1, detail: "under the caller's lock" };
    };
    assert.equal((await runStage(info, def, { lock })).status, "done");
    assert.equal((await readLock(data))?.purpose, "crawl", "the caller's lock is not released");
  } finally {
    await lock.release();
  }
});
