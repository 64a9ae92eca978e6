// `fluxture update-geo-db` against a loopback stand-in for MaxMind: 127.0.0.1 checks basic auth and redirects to
// a second loopback address (127.0.0.2, the "storage host") which must never see the credentials. Real tar.gz
// archives in MaxMind's layout; the CLI runs as a child process; the old database is byte-compared after failures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { inspect } from "node:util";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { openGeoDatabase } from "../../stages/geolocate/database.ts";
import { extractMmdb, unsafeMemberName } from "../../stages/geolocate/update/archive.ts";
import { Credentials, loadCredentials, parseKeyFile } from "../../stages/geolocate/update/credentials.ts";
import { parseSha256File, updateGeoDb } from "../../stages/geolocate/update/index.ts";
import { errorLines, FIXTURES, runCli, tempDir } from "./helpers.ts";

const ACCOUNT = "123456";
const KEY = "s3cr3tLicenseKey_0123";
const AUTH = `Basic ${Buffer.from(`${ACCOUNT}:${KEY}`).toString("base64")}`;
const ENV = { MAXMIND_ACCOUNT_ID: ACCOUNT, MAXMIND_LICENSE_KEY: KEY };

interface Member {
  name: string;
  body?: Buffer | string;
  type?: "file" | "directory" | "symlink" | "link";
  linkname?: string;
}

/** A tar.gz built with tar-stream + zlib, like MaxMind's archives. */
async function tarGz(members: readonly Member[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = once(pack, "end");
  for (const m of members) {
    const type = m.type ?? "file";
    if (type === "file") pack.entry({ name: m.name, mode: 0o644 }, m.body ?? "");
    else pack.entry({ name: m.name, type, linkname: m.linkname, mode: 0o755 });
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** The members of a real MaxMind archive for `edition`, with `mmdb` as the database. */
function maxmindLayout(edition: string, mmdb: Buffer, date = "20260204"): Member[] {
  const dir = `${edition}_${date}`;
  return [
    { name: `${dir}/`, type: "directory" },
    { name: `${dir}/COPYRIGHT.txt`, body: "Database and Contents Copyright (c) 2026 MaxMind, Inc.\n" },
    { name: `${dir}/LICENSE.txt`, body: "Use of this MaxMind product is governed by MaxMind's GeoLite2 End User License Agreement\n" },
    { name: `${dir}/${edition}.mmdb`, body: mmdb },
  ];
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** What the fake MaxMind serves for one edition. */
interface Published {
  archive: Buffer;
  sha256: string; // the .sha256 file's text
}

/** The two loopback servers, with a log of what each received. */
interface FakeMaxMind {
  baseUrl: string;
  editions: Map<string, Published>;
  apiRequests: { path: string; authorization: string | undefined }[];
  storageRequests: { path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

async function listen(server: Server, host: string): Promise<number> {
  server.listen(0, host);
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

async function startFakeMaxMind(): Promise<FakeMaxMind> {
  const editions = new Map<string, Published>();
  const apiRequests: FakeMaxMind["apiRequests"] = [];
  const storageRequests: FakeMaxMind["storageRequests"] = [];
  const storage = createServer((req: IncomingMessage, res: ServerResponse) => {
    storageRequests.push({ path: req.url ?? "", authorization: req.headers.authorization });
    if (req.headers.authorization !== undefined) {
      res.writeHead(400).end("credentials leaked to the storage host");
      return;
    }
    const m = /^\/r2\/([^/]+)\/(tar\.gz(?:\.sha256)?)\?X-Amz-Signature=/.exec(req.url ?? "");
    const published = m ? editions.get(m[1]!) : undefined;
    if (!m || !published) {
      res.writeHead(404).end();
      return;
    }
    const body = m[2] === "tar.gz" ? published.archive : Buffer.from(published.sha256);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length }).end(body);
  });
  const storagePort = await listen(storage, "127.0.0.2");
  const api = createServer((req: IncomingMessage, res: ServerResponse) => {
    apiRequests.push({ path: req.url ?? "", authorization: req.headers.authorization });
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = /^\/geoip\/databases\/([^/]+)\/download$/.exec(url.pathname);
    const suffix = url.searchParams.get("suffix");
    if (req.headers.authorization !== AUTH) {
      res.writeHead(401, { "content-type": "text/plain" }).end("Invalid license key\n");
      return;
    }
    if (!m || !editions.has(m[1]!) || (suffix !== "tar.gz" && suffix !== "tar.gz.sha256")) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(302, { location: `http://127.0.0.2:${storagePort}/r2/${m[1]}/${suffix}?X-Amz-Signature=deadbeef` }).end();
  });
  const apiPort = await listen(api, "127.0.0.1");
  return {
    baseUrl: `http://127.0.0.1:${apiPort}`,
    editions,
    apiRequests,
    storageRequests,
    async close() {
      api.closeAllConnections();
      storage.closeAllConnections();
      await Promise.all([new Promise((r) => api.close(r)), new Promise((r) => storage.close(r))]);
    },
  };
}

async function publish(fake: FakeMaxMind, edition: string, members: readonly Member[], opts: { truncateTo?: number; sha256?: string } = {}): Promise<void> {
  let archive = await tarGz(members);
  if (opts.truncateTo !== undefined) archive = archive.subarray(0, Math.floor(archive.length * opts.truncateTo));
  fake.editions.set(edition, { archive, sha256: `${opts.sha256 ?? sha256(archive)}  ${edition}_20260204.tar.gz\n` });
}

/** A geo folder holding an "old" City database (the loopback fixture) to be replaced or kept. */
async function geoDirWithOldCity(root: string): Promise<{ geoDir: string; old: Buffer }> {
  const geoDir = join(root, "geo");
  await mkdir(geoDir, { recursive: true });
  const old = await readFile(FIXTURES.loopback);
  await writeFile(join(geoDir, "GeoLite2-City.mmdb"), old);
  return { geoDir, old };
}

function assertNoSecret(text: string): void {
  assert.ok(!text.includes(KEY), "the license key was printed");
  assert.ok(!text.includes(AUTH.slice(6)), "the basic-auth token was printed");
}

async function assertUntouched(geoDir: string, old: Buffer): Promise<void> {
  assert.deepEqual(await readFile(join(geoDir, "GeoLite2-City.mmdb")), old);
  assert.deepEqual((await readdir(geoDir)).sort(), ["GeoLite2-City.mmdb"]); // no .prev, no temp file, no ASN
}

test("update-geo-db downloads, verifies and installs both editions; the storage host never sees the credentials", async (t) => {
  const fake = await startFakeMaxMind();
  t.after(() => fake.close());
  const tmp = await tempDir("geoupdate-ok");
  t.after(tmp.cleanup);
  const city = await readFile(FIXTURES.city);
  const asn = await readFile(FIXTURES.asn);
  await publish(fake, "GeoLite2-City", maxmindLayout("GeoLite2-City", city));
  await publish(fake, "GeoLite2-ASN", maxmindLayout("GeoLite2-ASN", asn));
  const { geoDir, old } = await geoDirWithOldCity(tmp.dir);

  const r = await runCli(["update-geo-db", "--geo-dir", geoDir, "--base-url", fake.baseUrl], ENV);
  assert.equal(r.status, 0, r.stderr);
  assertNoSecret(r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /^GeoLite2-City: installed .*GeoLite2-City\.mmdb \(GeoLite2-City built 2026-02-04T22:49:29\.000Z, 0\.0 MiB; previous kept as .*GeoLite2-City\.mmdb\.prev\)$/m,
  );
  assert.match(r.stdout, /^GeoLite2-ASN: installed .*GeoLite2-ASN\.mmdb \(GeoLite2-ASN built /m);
  assert.deepEqual(await readFile(join(geoDir, "GeoLite2-City.mmdb")), city);
  assert.deepEqual(await readFile(join(geoDir, "GeoLite2-City.mmdb.prev")), old);
  assert.deepEqual(await readFile(join(geoDir, "GeoLite2-ASN.mmdb")), asn);
  assert.deepEqual((await readdir(geoDir)).sort(), ["GeoLite2-ASN.mmdb", "GeoLite2-City.mmdb", "GeoLite2-City.mmdb.prev"]);
  assert.equal((await openGeoDatabase(join(geoDir, "GeoLite2-ASN.mmdb"), "asn")).type, "GeoLite2-ASN");

  assert.equal(fake.apiRequests.length, 4); // checksum + archive, per edition
  assert.ok(fake.apiRequests.every((q) => q.authorization === AUTH));
  assert.deepEqual(
    fake.apiRequests.map((q) => q.path),
    [
      "/geoip/databases/GeoLite2-City/download?suffix=tar.gz.sha256",
      "/geoip/databases/GeoLite2-City/download?suffix=tar.gz",
      "/geoip/databases/GeoLite2-ASN/download?suffix=tar.gz.sha256",
      "/geoip/databases/GeoLite2-ASN/download?suffix=tar.gz",
    ],
  );
  assert.equal(fake.storageRequests.length, 4);
  assert.ok(
    fake.storageRequests.every((q) => q.authorization === undefined),
    "Authorization reached the redirect target",
  );

  // a second update keeps the then-current file as .prev
  const again = await runCli(["update-geo-db", "--geo-dir", geoDir, "--base-url", fake.baseUrl, "--editions", "GeoLite2-City", "--json"], ENV);
  assert.equal(again.status, 0, again.stderr);
  const installed = JSON.parse(again.stdout) as { edition: string; release: string; sha256_archive: string }[];
  assert.deepEqual(
    installed.map((i) => [i.edition, i.release]),
    [["GeoLite2-City", "20260204"]],
  );
  assert.deepEqual(await readFile(join(geoDir, "GeoLite2-City.mmdb.prev")), city);
});

test("failures give one line, exit 1, and leave the installed database byte-for-byte intact", async (t) => {
  const fake = await startFakeMaxMind();
  t.after(() => fake.close());
  const tmp = await tempDir("geoupdate-fail");
  t.after(tmp.cleanup);
  const city = await readFile(FIXTURES.city);
  const country = await readFile(FIXTURES.country);
  const cases: { name: string; setup: () => Promise<void>; env?: Record<string, string>; pattern: RegExp }[] = [
    {
      name: "wrong checksum",
      setup: () => publish(fake, "GeoLite2-City", maxmindLayout("GeoLite2-City", city), { sha256: "0".repeat(64) }),
      pattern: /^fluxture: GeoLite2-City archive: SHA-256 mismatch \(published 0{64}, downloaded [0-9a-f]{64}\); nothing installed$/,
    },
    {
      name: "wrong credentials",
      setup: () => publish(fake, "GeoLite2-City", maxmindLayout("GeoLite2-City", city)),
      env: { MAXMIND_LICENSE_KEY: "wrongLicenseKey_999" },
      pattern:
        /^fluxture: MaxMind refused the credentials for GeoLite2-City checksum \(HTTP 401\): check MAXMIND_ACCOUNT_ID \/ MAXMIND_LICENSE_KEY or the --license-key-file$/,
    },
    {
      name: "../ member",
      setup: () => publish(fake, "GeoLite2-City", [{ name: "../evil.txt", body: "pwned" }, ...maxmindLayout("GeoLite2-City", city)]),
      pattern: /^fluxture: GeoLite2-City archive: archive member '\.\.\/evil\.txt' escapes the archive folder \(\.\.\); refusing the archive$/,
    },
    {
      name: "truncated archive",
      setup: () => publish(fake, "GeoLite2-City", maxmindLayout("GeoLite2-City", city), { truncateTo: 0.6 }),
      pattern: /^fluxture: GeoLite2-City archive: archive is truncated or corrupt \(.+\)$/,
    },
    {
      name: "symlink member",
      setup: () =>
        publish(fake, "GeoLite2-City", [
          ...maxmindLayout("GeoLite2-City", city),
          { name: "GeoLite2-City_20260204/x", type: "symlink", linkname: "/etc/passwd" },
        ]),
      pattern: /^fluxture: GeoLite2-City archive: archive member 'GeoLite2-City_20260204\/x' is a symlink entry; refusing the archive$/,
    },
    {
      name: "wrong database type inside",
      setup: () => publish(fake, "GeoLite2-City", maxmindLayout("GeoLite2-City", country)),
      pattern: /^fluxture: GeoLite2-City archive: GeoLite2-City_20260204\/GeoLite2-City\.mmdb is a GeoLite2-Country database, expected GeoLite2-City$/,
    },
    {
      name: "no database member",
      setup: () => publish(fake, "GeoLite2-City", maxmindLayout("GeoLite2-City", city).slice(0, 3)),
      pattern: /^fluxture: GeoLite2-City archive: archive has no GeoLite2-City_YYYYMMDD\/GeoLite2-City\.mmdb member$/,
    },
  ];
  for (const c of cases) {
    const root = join(tmp.dir, c.name.replace(/\W+/g, "-"));
    const { geoDir, old } = await geoDirWithOldCity(root);
    await c.setup();
    const storageBefore = fake.storageRequests.length;
    const r = await runCli(["update-geo-db", "--geo-dir", geoDir, "--base-url", fake.baseUrl, "--editions", "GeoLite2-City"], { ...ENV, ...c.env });
    assert.equal(r.status, 1, `${c.name}: ${r.stderr}`);
    const lines = errorLines(r.stderr);
    assert.equal(lines.length, 1, `${c.name}: ${r.stderr}`);
    assert.match(lines[0]!, c.pattern, c.name);
    assertNoSecret(r.stdout + r.stderr);
    assert.ok(!(r.stdout + r.stderr).includes("wrongLicenseKey_999"));
    await assertUntouched(geoDir, old);
    assert.ok(!existsSync(join(root, "evil.txt")) && !existsSync(join(tmp.dir, "evil.txt")), `${c.name}: a member escaped`);
    assert.ok(fake.storageRequests.slice(storageBefore).every((q) => q.authorization === undefined));
  }
});

test("one failing edition installs none: the City download that passed is not installed either", async (t) => {
  const fake = await startFakeMaxMind();
  t.after(() => fake.close());
  const tmp = await tempDir("geoupdate-partial");
  t.after(tmp.cleanup);
  await publish(fake, "GeoLite2-City", maxmindLayout("GeoLite2-City", await readFile(FIXTURES.city)));
  await publish(fake, "GeoLite2-ASN", maxmindLayout("GeoLite2-ASN", await readFile(FIXTURES.asn)), { sha256: "f".repeat(64) });
  const { geoDir, old } = await geoDirWithOldCity(tmp.dir);
  const credentials = new Credentials(ACCOUNT, KEY, "test");
  await assert.rejects(
    updateGeoDb({ geoDir, editions: ["GeoLite2-City", "GeoLite2-ASN"], baseUrl: fake.baseUrl, credentials }),
    /GeoLite2-ASN archive: SHA-256 mismatch/,
  );
  await assertUntouched(geoDir, old);
});

test("credentials: env or a GeoIP.conf-style key file, never a flag, never printable", async (t) => {
  const tmp = await tempDir("geoupdate-creds");
  t.after(tmp.cleanup);
  const missing = await runCli(["update-geo-db", "--geo-dir", join(tmp.dir, "geo")], { MAXMIND_ACCOUNT_ID: "", MAXMIND_LICENSE_KEY: "" });
  assert.equal(missing.status, 2);
  assert.match(
    errorLines(missing.stderr)[0]!,
    /^fluxture: MaxMind credentials missing: set MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY, or pass --license-key-file FILE .*geolite2\/signup\)$/,
  );
  const asFlag = await runCli(["update-geo-db", "--license-key", KEY]);
  assert.notEqual(asFlag.status, 0);
  assert.match(asFlag.stderr, /unknown option '--license-key'/);

  const file = join(tmp.dir, "GeoIP.conf");
  await writeFile(file, `# GeoIP.conf\nAccountID ${ACCOUNT}\nLicenseKey ${KEY}\nEditionIDs GeoLite2-City GeoLite2-ASN\n`);
  const fromFile = await loadCredentials(file, {});
  assert.equal(fromFile.basicAuth(), AUTH);
  const fromEnv = await loadCredentials(undefined, ENV);
  assert.equal(fromEnv.basicAuth(), AUTH);
  for (const shown of [String(fromFile), JSON.stringify(fromFile), inspect(fromFile), `${fromEnv}`, inspect({ nested: fromEnv })]) {
    assert.ok(!shown.includes(KEY), shown);
    assert.ok(shown.includes(ACCOUNT), shown);
  }
  assert.throws(() => parseKeyFile(`AccountID ${ACCOUNT}\n`, "k.conf"), /k\.conf has no `LicenseKey <key>` line/);
  assert.throws(() => parseKeyFile(`LicenseKey ${KEY}\n`, "k.conf"), /k\.conf has no `AccountID <id>` line/);
  assert.throws(() => parseKeyFile(`AccountID abc\nLicenseKey ${KEY}\n`, "k.conf"), /account id from license key file k\.conf must be digits/);
  await assert.rejects(loadCredentials(join(tmp.dir, "absent.conf"), ENV), /cannot read license key file .*absent\.conf \(ENOENT\)/);

  // the key file works end to end through the CLI against the fake server
  const fake = await startFakeMaxMind();
  t.after(() => fake.close());
  await publish(fake, "GeoLite2-ASN", maxmindLayout("GeoLite2-ASN", await readFile(FIXTURES.asn)));
  const r = await runCli(
    ["update-geo-db", "--geo-dir", join(tmp.dir, "geo"), "--base-url", fake.baseUrl, "--editions", "GeoLite2-ASN", "--license-key-file", file],
    {
      MAXMIND_ACCOUNT_ID: "",
      MAXMIND_LICENSE_KEY: "",
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assertNoSecret(r.stdout + r.stderr);
  assert.ok(existsSync(join(tmp.dir, "geo", "GeoLite2-ASN.mmdb")));
});

test("base URL and edition checks: no credentials over plain http to a non-loopback host, no odd edition names", async () => {
  const credentials = new Credentials(ACCOUNT, KEY, "test");
  await assert.rejects(
    updateGeoDb({ geoDir: "/nonexistent", editions: ["GeoLite2-City"], baseUrl: "http://download.example.com", credentials }),
    /refusing to send MaxMind credentials over plain http to download\.example\.com; use https/,
  );
  await assert.rejects(
    updateGeoDb({ geoDir: "/nonexistent", editions: ["GeoLite2-City"], baseUrl: "ftp://127.0.0.1", credentials }),
    /--base-url must be http\(s\)/,
  );
  await assert.rejects(
    updateGeoDb({ geoDir: "/nonexistent", editions: ["GeoLite2-City"], baseUrl: `http://${ACCOUNT}:${KEY}@127.0.0.1:1`, credentials }),
    /must not contain credentials/,
  );
  const r = await runCli(["update-geo-db", "--editions", "../etc,GeoLite2-City"], ENV);
  assert.equal(r.status, 2);
  assert.match(errorLines(r.stderr)[0]!, /--editions: '\.\.\/etc' is not a MaxMind edition id/);
});

test("archive and checksum parsing details", async () => {
  assert.equal(unsafeMemberName("GeoLite2-City_20260204/GeoLite2-City.mmdb"), null);
  assert.match(unsafeMemberName("/etc/passwd")!, /absolute/);
  assert.match(unsafeMemberName("a/../../b")!, /\.\./);
  assert.match(unsafeMemberName("C:/x")!, /absolute/);
  assert.match(unsafeMemberName("a\\..\\b")!, /backslash/);
  const mmdb = await readFile(FIXTURES.city);
  const two = await tarGz([...maxmindLayout("GeoLite2-City", mmdb), ...maxmindLayout("GeoLite2-City", mmdb, "20260301").slice(3)]);
  await assert.rejects(extractMmdb(two, "GeoLite2-City", "t"), /two GeoLite2-City\.mmdb members/);
  const absolute = await tarGz([{ name: "/tmp/evil", body: "x" }, ...maxmindLayout("GeoLite2-City", mmdb)]);
  await assert.rejects(extractMmdb(absolute, "GeoLite2-City", "t"), /is an absolute path/);
  const good = await extractMmdb(await tarGz(maxmindLayout("GeoLite2-City", mmdb)), "GeoLite2-City", "t");
  assert.deepEqual(good.bytes, mmdb);
  assert.equal(good.release, "20260204");
  await assert.rejects(extractMmdb(Buffer.from("not gzip at all"), "GeoLite2-City", "t"), /truncated or corrupt/);
  assert.equal(parseSha256File(`${"A".repeat(64)}  GeoLite2-City_20260204.tar.gz\n`, "t"), "a".repeat(64));
  assert.equal(parseSha256File(`${"b".repeat(64)}\n`, "t"), "b".repeat(64));
  assert.throws(() => parseSha256File("<html>error</html>", "t"), /not '<hex digest> {2}<file name>'/);
});
