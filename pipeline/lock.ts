// One writer per data folder: an O_EXCL lock file naming its holder, so overlapping cron runs refuse cleanly.
import { readFileSync, unlinkSync } from "node:fs";
import { mkdir, open, readFile, stat, unlink, type FileHandle } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { DataError, LockedError } from "./errors.ts";
import { writeFailure } from "./fsutil.ts";
import { log } from "./log.ts";

/** What the lock file says about its holder. */
export interface LockHolder {
  pid: number;
  host: string;
  purpose: string;
  since: string;
}

/** A held data-folder lock; release() removes it (only if it is still ours). Also released at process exit. */
export interface DataLock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): Promise<void>;
}

/** Options of acquireLock. */
export interface AcquireLockOptions {
  /** Keep retrying for this long (ms) while a live process holds the lock; default 0 (refuse at once). */
  waitMs?: number;
  /** The data folder must exist already (commands that only read runs): never create it, DataError instead. */
  mustExist?: boolean;
}

/** Path of the lock file of a data folder. */
export function lockPath(dataDir: string): string {
  return join(dataDir, ".lock");
}

const UNREADABLE_GRACE_MS = 5000; // an empty/garbled lock younger than this is still being written

function parseHolder(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid === "number" && typeof v.host === "string" && typeof v.purpose === "string" && typeof v.since === "string") {
      return { pid: v.pid, host: v.host, purpose: v.purpose, since: v.since };
    }
  } catch {
    /* garbled */
  }
  return null;
}

/** Whether `pid` is a live process on this host (EPERM means alive but not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Reads the current lock; null when there is none. */
export async function readLock(dataDir: string): Promise<LockHolder | null> {
  try {
    return parseHolder(await readFile(lockPath(dataDir), "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

async function tryCreate(path: string, holder: LockHolder): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(path, "wx", 0o644); // O_CREAT | O_EXCL: exactly one process wins
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw writeFailure(path, err);
  }
  try {
    await handle.writeFile(`${JSON.stringify(holder)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/** Why the existing lock may be taken over (its holder is dead), or null if it must be respected. */
async function staleReason(path: string, text: string | null): Promise<string | null> {
  if (text === null) return null;
  const holder = parseHolder(text);
  if (holder === null) {
    const st = await stat(path).catch(() => null);
    if (st && Date.now() - st.mtimeMs > UNREADABLE_GRACE_MS) return "an unreadable lock file";
    return null;
  }
  if (holder.host === hostname() && !pidAlive(holder.pid)) {
    return `a stale lock of pid ${holder.pid} (${holder.purpose}, since ${holder.since}), which is no longer running`;
  }
  return null;
}

/** Removes the stale lock under a short-lived takeover guard, so two takers cannot delete each other's new lock. */
async function takeOver(path: string, staleText: string, dataDir: string): Promise<boolean> {
  const guard = `${path}.takeover`;
  let handle: FileHandle;
  try {
    handle = await open(guard, "wx", 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const st = await stat(guard).catch(() => null);
    if (st && Date.now() - st.mtimeMs > UNREADABLE_GRACE_MS) await unlink(guard).catch(() => undefined);
    return false;
  }
  try {
    await handle.close();
    const now = await readFile(path, "utf8").catch(() => null);
    if (now !== staleText) return false; // someone already replaced it
    await unlink(path).catch(() => undefined);
    log("warn", `data folder ${dataDir}: taking over ${(await staleReason(path, staleText)) ?? "a stale lock"}`);
    return true;
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

function describe(dataDir: string, h: LockHolder | null): string {
  if (h === null) return `data folder ${dataDir} is locked (lock file ${lockPath(dataDir)} is being written or unreadable)`;
  const host = h.host === hostname() ? "" : ` on host ${h.host}`;
  return `data folder ${dataDir} is locked by pid ${h.pid}${host} (${h.purpose}) since ${h.since}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Takes the data folder's lock for `purpose`; LockedError naming the holder if a live process has it. */
export async function acquireLock(dataDir: string, purpose: string, opts: AcquireLockOptions = {}): Promise<DataLock> {
  if (opts.mustExist) {
    const st = await stat(dataDir).catch(() => null);
    if (st === null) throw new DataError(`data folder ${dataDir} does not exist`);
    if (!st.isDirectory()) throw new DataError(`data folder ${dataDir} is not a folder`);
  } else {
    await mkdir(dataDir, { recursive: true }).catch((err: unknown) => {
      throw writeFailure(dataDir, err);
    });
  }
  const path = lockPath(dataDir);
  const holder: LockHolder = { pid: process.pid, host: hostname(), purpose, since: new Date().toISOString() };
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(path, holder)) return heldLock(path, holder);
    const text = await readFile(path, "utf8").catch(() => null);
    if (text === null) continue; // released between our create and read: try again
    if ((await staleReason(path, text)) !== null) {
      await takeOver(path, text, dataDir);
      await sleep(5 + Math.random() * 20);
      continue;
    }
    const current = parseHolder(text);
    const young = current === null; // being written: give it a moment
    if (Date.now() < deadline || (young && attempt < 50)) {
      await sleep(young ? 20 : 200);
      continue;
    }
    throw new LockedError(describe(dataDir, current));
  }
}

function heldLock(path: string, holder: LockHolder): DataLock {
  const ours = `${JSON.stringify(holder)}\n`;
  let released = false;
  const releaseSync = (): void => {
    if (released) return;
    released = true;
    try {
      if (readFileSync(path, "utf8") === ours) unlinkSync(path);
    } catch {
      /* already gone */
    }
  };
  process.once("exit", releaseSync);
  return {
    path,
    holder,
    async release() {
      if (released) return;
      process.off("exit", releaseSync);
      released = true;
      const text = await readFile(path, "utf8").catch(() => null);
      if (text === ours) await unlink(path).catch(() => undefined);
    },
  };
}
