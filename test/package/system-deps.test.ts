// `make test` on a fresh machine: the Debian references come from scripts/install-system-deps.sh (as root it
// installs them; otherwise one line naming the apt-get command, exit 1), and README.md lists the same packages.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCRIPT = join(ROOT, "scripts/install-system-deps.sh");

function scriptPackages(): string[] {
  const m = /^packages=\(([^)]*)\)/m.exec(readFileSync(SCRIPT, "utf8"));
  assert.ok(m, "packages=(…) in the script");
  return m[1]!.trim().split(/\s+/);
}

test("README lists the packages the script installs, under the test command", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const m = /<!-- system-deps -->\n`([^`]*)`\n<!-- \/system-deps -->/.exec(readme);
  assert.ok(m, "the system-deps block in README.md");
  assert.deepEqual(m[1]!.split(/\s+/), scriptPackages());
  assert.match(readFileSync(join(ROOT, "Makefile"), "utf8"), /^test: system-deps /m);
});

test("not root and a package missing: one line naming the apt-get command, exit 1, nothing installed", () => {
  // a dpkg-query that reports every package missing and an id that says we are not root
  const bin = mkdtempSync(join(tmpdir(), "fluxture-sysdeps-"));
  for (const [name, body] of [
    ["dpkg-query", "#!/bin/sh\nexit 1\n"],
    ["id", '#!/bin/sh\n[ "$1" = "-u" ] && echo 1000 && exit 0\nexec /usr/bin/id "$@"\n'],
    ["apt-get", "#!/bin/sh\necho apt-get must not run >&2\nexit 99\n"],
  ] as const) {
    writeFileSync(join(bin, name), body);
    chmodSync(join(bin, name), 0o755);
  }
  const r = spawnSync("bash", [SCRIPT], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.equal(
    lines[0],
    `fluxture: the tests need Debian packages that are missing; install them with: sudo apt-get install -y --no-install-recommends ${scriptPackages().join(" ")}`,
  );
});

test("everything installed: silent, exit 0 (this machine, after .ci/run or make test as root)", () => {
  const r = spawnSync("bash", [SCRIPT], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
});
