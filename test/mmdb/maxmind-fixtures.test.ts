// MaxMind's own test databases (test/fixtures/mmdb, from maxmind/MaxMind-DB, MIT/Apache-2.0) decoded
// with types and re-encoded with our writer: the data and metadata sections come out byte-identical to
// MaxMind's mmdbwriter output, and every lookup answers the same in the maxmind reader and mmdblookup.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { test } from "node:test";
import { Reader } from "maxmind";
import { writeMmdb } from "../../tools/simnet/mmdb/index.ts";
import { encodeMetadata } from "../../lib/mmdb/metadata.ts";
import { layout, networkText, recordAt, toWriterValue, walkNetworks, type Layout } from "./inspect.ts";

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, "..", "fixtures", "mmdb");
const NAMES = ["GeoLite2-City-Test", "GeoIP2-City-Test", "GeoLite2-ASN-Test", "GeoLite2-Country-Test"];

/** The alias networks MaxMind adds; they point into the IPv4 subtree, which we walk once under ::/96. */
function isAlias(b: Uint8Array, p: number): boolean {
  if (p === 96 && b[10] === 0xff && b[11] === 0xff && b.subarray(0, 10).every((x) => x === 0)) return true;
  if (p === 32 && b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return true;
  return p === 16 && b[0] === 0x20 && b[1] === 0x02;
}

/** Re-encodes every network of a MaxMind file, records in the order MaxMind stored them. */
function reencode(l: Layout): Uint8Array {
  const networks = walkNetworks(l, isAlias).sort((a, b) => a.record - b.record);
  return writeMmdb({
    databaseType: String(l.metadata.database_type),
    description: l.metadata.description as Record<string, string>,
    languages: l.metadata.languages as string[],
    buildEpoch: l.metadata.build_epoch as bigint,
    recordSize: 28,
    networks: networks.map((n) => ({ cidr: networkText(n), data: toWriterValue(recordAt(l, n.record)) })),
  });
}

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));

for (const name of NAMES) {
  test(`${name}: data section and metadata re-encode byte for byte; every lookup agrees`, () => {
    const original = readFileSync(join(FIXTURES, `${name}.mmdb`));
    const l = layout(original);
    const mine = reencode(l);
    const m = layout(mine);
    assert.ok(Buffer.from(mine.subarray(m.dataStart, m.metadataStart)).equals(original.subarray(l.dataStart, l.metadataStart)), "data section identical");
    const meta = encodeMetadata({
      nodeCount: l.nodeCount,
      recordSize: 28,
      ipVersion: 6,
      databaseType: String(l.metadata.database_type),
      languages: l.metadata.languages as string[],
      description: l.metadata.description as Record<string, string>,
      buildEpoch: l.metadata.build_epoch as bigint,
    });
    assert.ok(Buffer.from(meta).equals(original.subarray(l.metadataStart)), "metadata identical for the same node count");
    // the trees differ only in MaxMind's empty placeholders for reserved networks: same data networks
    const theirs = walkNetworks(l)
      .map((n) => `${networkText(n)}=${json(recordAt(l, n.record).value)}`)
      .sort();
    const ours = walkNetworks(m)
      .map((n) => `${networkText(n)}=${json(recordAt(m, n.record).value)}`)
      .sort();
    assert.deepEqual(
      ours.map((x) => x.split("=")[0]),
      theirs.map((x) => x.split("=")[0]),
    );
    assert.ok(m.nodeCount <= l.nodeCount);
    const r1 = new Reader(original);
    const r2 = new Reader(Buffer.from(mine));
    const probes = walkNetworks(l).map((n) => networkText(n).split("/")[0]!);
    for (const ip of probes) assert.equal(json(r2.getWithPrefixLength(ip)), json(r1.getWithPrefixLength(ip)), ip);
    // misses agree too (their reported depth differs where MaxMind keeps reserved-network placeholders)
    for (const ip of ["1.1.1.1", "::1", "8.8.8.8", "2a02:ff::1", "::ffff:81.2.69.142", "2002:5102:458e::1", "2001:0:5102:458e::"]) {
      assert.equal(json(r2.get(ip)), json(r1.get(ip)), ip);
    }
  });
}

test("mmdblookup (libmaxminddb) prints the same typed records for the original and the re-encoded City file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fluxture-mmdb-"));
  try {
    const originalPath = join(FIXTURES, "GeoLite2-City-Test.mmdb");
    const minePath = join(dir, "recoded.mmdb");
    await writeFile(minePath, reencode(layout(readFileSync(originalPath))));
    for (const ip of ["81.2.69.142", "89.160.20.112", "175.16.199.0", "2001:218::", "216.160.83.56", "::ffff:2.125.160.216"]) {
      const a = await run("mmdblookup", ["--file", originalPath, "--ip", ip]);
      const b = await run("mmdblookup", ["--file", minePath, "--ip", ip]);
      assert.ok(a.stdout.includes("<utf8_string>"), "mmdblookup printed a record");
      assert.equal(b.stdout, a.stdout, ip);
    }
    const city = await run("mmdblookup", ["--file", minePath, "--ip", "89.160.20.112", "city", "names", "en"]);
    assert.match(city.stdout, /"Linköping" <utf8_string>/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
