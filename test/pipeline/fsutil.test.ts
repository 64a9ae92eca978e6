// Atomic writes: readers see the old file or the whole new one; a failed write leaves no partial or temp file.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { tempPathFor, writeFileAtomic, writeFileAtomicSync } from "../../pipeline/fsutil.ts";

const root = mkdtempSync(join(tmpdir(), "fluxture-fsutil-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("writeFileAtomic creates and replaces files, leaving no temp file", async () => {
  const path = join(root, "a.json");
  await writeFileAtomic(path, "one");
  await writeFileAtomic(path, new Uint8Array([116, 119, 111]));
  assert.equal(readFileSync(path, "utf8"), "two");
  writeFileAtomicSync(path, "three");
  assert.equal(readFileSync(path, "utf8"), "three");
  assert.deepEqual(readdirSync(root), ["a.json"]);
});

test("temp files live in the target's folder (same file system, so rename is atomic) and are hidden", () => {
  const tmp = tempPathFor(join(root, "x", "visits.parquet"));
  assert.ok(tmp.startsWith(join(root, "x", ".visits.parquet.")));
  assert.ok(tmp.endsWith(".tmp"));
  assert.notEqual(tmp, tempPathFor(join(root, "x", "visits.parquet")));
});

test("a write that throws leaves the old file intact and no temp file behind", async () => {
  const dir = join(root, "fail");
  mkdirSync(dir);
  const path = join(dir, "manifest.json");
  writeFileSync(path, "old");
  await assert.rejects(writeFileAtomic(path, 42 as never)); // the write itself throws (not a string or bytes)
  assert.throws(() => writeFileAtomicSync(path, 42 as never));
  mkdirSync(join(dir, "target-is-a-dir"));
  writeFileSync(join(dir, "target-is-a-dir", "f"), "x");
  await assert.rejects(writeFileAtomic(join(dir, "target-is-a-dir"), "new")); // rename fails
  assert.throws(() => writeFileAtomicSync(join(dir, "target-is-a-dir"), "new"));
  await assert.rejects(writeFileAtomic(join(dir, "missing", "f"), "new"), /cannot write .*missing\/f: folder .*missing does not exist$/);
  assert.equal(readFileSync(path, "utf8"), "old");
  assert.deepEqual(readdirSync(dir).sort(), ["manifest.json", "target-is-a-dir"]);
});

test("concurrent writers never produce a torn file", async () => {
  const path = join(root, "race.txt");
  const payloads = Array.from({ length: 20 }, (_, i) => String(i).repeat(100_000));
  await Promise.all(payloads.map((p) => writeFileAtomic(path, p)));
  assert.ok(payloads.includes(readFileSync(path, "utf8")));
  assert.equal(readdirSync(root).filter((f) => f.endsWith(".tmp")).length, 0);
});
