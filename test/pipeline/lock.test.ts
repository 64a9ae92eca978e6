// The data-folder lock, exercised with real processes: one holds, one is refused; a SIGKILLed holder's lock is taken over.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { acquireLock, lockPath, readLock } from "../../pipeline/lock.ts";
import { LockedError } from "../../pipeline/errors.ts";
import { startFixture, stopFixture, type Child } from "./fixtures/child.ts";

const root = mkdtempSync(join(tmpdir(), "fluxture-lock-"));
const children: Child[] = [];
after(async () => {
  for (const c of children) await stopFixture(c);
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const freshDir = () => join(root, `data${n++}`);
function fixture(args: string[]): Child {
  const c = startFixture("lock-holder", args);
  children.push(c);
  return c;
}

test("a second process is refused with a message naming the holder, then gets the lock once it is released", async () => {
  const data = freshDir();
  const holder = fixture([data, "crawl"]);
  const pid = Number((await holder.waitFor(/LOCKED (\d+)/))[1]);
  assert.equal(pid, holder.proc.pid);

  const second = fixture([data, "geolocate"]);
  const refused = await second.waitFor(/REFUSED (.*)\n/);
  assert.equal(await second.exited, 75);
  assert.match(refused[1]!, new RegExp(`^data folder ${data.replace(/[/.]/g, "\\$&")} is locked by pid ${pid} \\(crawl\\) since \\d{4}-\\d\\d-\\d\\dT`));

  // in-process refusal is the typed error with the same text
  await assert.rejects(
    acquireLock(data, "test"),
    (err: unknown) => err instanceof LockedError && err.exitCode === 75 && err.message.includes(`pid ${pid} (crawl)`),
  );

  holder.proc.stdin!.end();
  await holder.waitFor(/RELEASED/);
  assert.equal(await holder.exited, 0);
  assert.equal(existsSync(lockPath(data)), false);
  const lock = await acquireLock(data, "test");
  assert.equal((await readLock(data))?.pid, process.pid);
  await lock.release();
});

test("the lock of a SIGKILLed holder is detected as stale and taken over with a warning", async () => {
  const data = freshDir();
  const victim = fixture([data, "crawl"]);
  const pid = Number((await victim.waitFor(/LOCKED (\d+)/))[1]);
  victim.proc.kill("SIGKILL");
  assert.equal(await victim.exited, "SIGKILL");
  assert.equal(JSON.parse(readFileSync(lockPath(data), "utf8")).pid, pid, "a killed process leaves its lock behind");

  const next = fixture([data, "crawl"]);
  const newPid = Number((await next.waitFor(/LOCKED (\d+)/))[1]);
  assert.equal(newPid, next.proc.pid);
  assert.match(next.stderr(), new RegExp(`warn data folder .* taking over a stale lock of pid ${pid} \\(crawl, since .*\\), which is no longer running`));
  next.proc.stdin!.end();
  assert.equal(await next.exited, 0);
});

test("racing processes: exactly one wins", async () => {
  const data = freshDir();
  const racers = [0, 1, 2, 3].map(() => fixture([data, "race"]));
  const outcomes = await Promise.all(racers.map((r) => r.waitFor(/(LOCKED|REFUSED)/).then((m) => m[1])));
  assert.equal(outcomes.filter((o) => o === "LOCKED").length, 1, `outcomes: ${outcomes.join(",")}`);
  for (const r of racers) r.proc.stdin!.end();
  await Promise.all(racers.map((r) => r.exited));
});

test("a racing takeover of one stale lock still leaves exactly one holder", async () => {
  const data = freshDir();
  const victim = fixture([data, "crawl"]);
  await victim.waitFor(/LOCKED/);
  victim.proc.kill("SIGKILL");
  await victim.exited;
  const racers = [0, 1, 2].map(() => fixture([data, "race"]));
  const outcomes = await Promise.all(racers.map((r) => r.waitFor(/(LOCKED|REFUSED)/).then((m) => m[1])));
  assert.equal(outcomes.filter((o) => o === "LOCKED").length, 1, `outcomes: ${outcomes.join(",")}`);
  for (const r of racers) r.proc.stdin!.end();
  await Promise.all(racers.map((r) => r.exited));
});

test("a process that exits without releasing removes its lock on the way out", async () => {
  const data = freshDir();
  const c = fixture([data, "crawl", "exit-without-release"]);
  await c.waitFor(/LOCKED/);
  assert.equal(await c.exited, 0);
  assert.equal(existsSync(lockPath(data)), false);
});

test("release never deletes someone else's lock; a lock of another host is respected", async () => {
  const data = freshDir();
  const lock = await acquireLock(data, "mine");
  const foreign = { pid: 999999, host: `${hostname()}-elsewhere`, purpose: "cron crawl", since: "2026-01-01T00:00:00.000Z" };
  writeFileSync(lockPath(data), JSON.stringify(foreign)); // replaced behind our back
  await lock.release();
  assert.deepEqual(await readLock(data), foreign);
  await assert.rejects(acquireLock(data, "x"), /locked by pid 999999 on host .*-elsewhere \(cron crawl\) since 2026-01-01T00:00:00.000Z/);
});

test("a dead pid on this host is stale even in-process; waitMs retries until a live holder releases", async () => {
  const data = freshDir();
  mkdirSync(data, { recursive: true });
  writeFileSync(lockPath(data), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), purpose: "old", since: "2020-01-01T00:00:00Z" }));
  const lock = await acquireLock(data, "fresh");
  assert.equal((await readLock(data))?.purpose, "fresh");
  setTimeout(() => void lock.release(), 300);
  const t0 = Date.now();
  const second = await acquireLock(data, "waiter", { waitMs: 5000 });
  assert.ok(Date.now() - t0 >= 250);
  await second.release();
});
