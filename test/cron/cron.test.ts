import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function cron(data: string) {
  return spawnSync("bash", ["scripts/cron.sh"], { env: { ...process.env, DATA: data, NETWORK: "simnet" }, encoding: "utf8", timeout: 60_000 });
}

test("make cron refuses to overlap a scheduled run still holding the lock (exit 75, one line)", async () => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-cron-"));
  writeFileSync(join(data, ".cron.lock"), "");
  const holder = spawn("flock", [join(data, ".cron.lock"), "sleep", "30"], { stdio: "ignore" });
  try {
    for (let i = 0; i < 50 && spawnSync("flock", ["-n", join(data, ".cron.lock"), "true"]).status === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const r = cron(data);
    assert.equal(r.status, 75);
    assert.match(r.stderr, /^cron: refused: a previous scheduled run still holds .*\.cron\.lock/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.equal(existsSync(join(data, "runs")), false);
  } finally {
    holder.kill();
  }
});

test("a failing scheduled run prints one line naming the reason and its log, exit 1", () => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-cron-fail-"));
  const r = cron(data); // a simnet crawl with no seed fails
  assert.equal(r.status, 1);
  const line = r.stderr.trim();
  assert.equal(line.split("\n").length, 1);
  assert.match(line, /^cron: crawl failed: fluxture: no seeds for simnet: .* \(log: .*cron-\d{8}T\d{6}Z\.log\)$/);
  const logs = readdirSync(join(data, "logs"));
  assert.equal(logs.length, 1);
  assert.match(readFileSync(join(data, "logs", logs[0]!), "utf8"), /cron: crawl --network simnet/);
});
