// writeMmdb read back with the `maxmind` reader: IPv4/IPv6 lookups, aliases, overlaps, merging,
// record sizes, metadata, determinism, errors and the atomic file helper.
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import maxmind, { Reader } from "maxmind";
import {
  MmdbWriteError,
  buildMmdb,
  double,
  uint16,
  uint32,
  uint64,
  uint128,
  writeMmdb,
  writeMmdbFile,
  type MmdbNetwork,
  type WriteMmdbOptions,
} from "../../tools/simnet/mmdb/index.ts";
import { layout } from "./inspect.ts";

const base = { databaseType: "Fluxture-Test-City", buildEpoch: 1_700_000_000, description: { en: "writer test" }, languages: ["en", "de"] } as const;
const open = (opts: WriteMmdbOptions) => new Reader(Buffer.from(writeMmdb(opts)));
const lookup = (r: { getWithPrefixLength(ip: string): readonly [unknown, number] }, ip: string) => [...r.getWithPrefixLength(ip)];

test("IPv4 and IPv6 networks resolve with nested maps, arrays, doubles and 64/128-bit integers", () => {
  const record = {
    city: { geoname_id: uint32(2643743), names: { en: "London", de: "London" } },
    location: { latitude: double(51.5142), longitude: double(-0.0931), accuracy_radius: uint16(10), time_zone: "Europe/London" },
    subdivisions: [{ iso_code: "ENG", names: { en: "England" } }],
    is_anycast: false,
    big: uint64(18446744073709551615n),
    huge: uint128(2n ** 127n + 5n),
    whole_double: double(52),
  };
  const r = open({
    ...base,
    networks: [
      { cidr: "81.2.69.142/31", data: record },
      { cidr: "2001:218::/32", data: { country: { iso_code: "JP" } } },
    ],
  });
  const [got, prefix] = lookup(r, "81.2.69.143");
  assert.equal(prefix, 31);
  assert.deepEqual(got, {
    ...record,
    city: { geoname_id: 2643743, names: { en: "London", de: "London" } },
    location: { latitude: 51.5142, longitude: -0.0931, accuracy_radius: 10, time_zone: "Europe/London" },
    big: 18446744073709551615n,
    huge: 2n ** 127n + 5n,
    whole_double: 52,
  });
  assert.deepEqual(lookup(r, "2001:218:1234::1"), [{ country: { iso_code: "JP" } }, 32]);
  assert.deepEqual(lookup(r, "81.2.69.141"), [null, 31]); // .141 leaves the path to .142/31 at bit 31
  assert.equal(r.get("2001:219::1"), null);
  assert.equal(r.get("::1"), null);
  assert.equal(r.get("8.8.8.8"), null);
});

test("IPv4 networks are also found through ::ffff:0:0/96, 6to4 (2002::/16) and Teredo (2001::/32) like MaxMind's files", () => {
  const r = open({ ...base, networks: [{ cidr: "127.42.1.0/24", data: { city: "x" } }] });
  assert.deepEqual(lookup(r, "127.42.1.7"), [{ city: "x" }, 24]);
  assert.deepEqual(lookup(r, "::ffff:127.42.1.7"), [{ city: "x" }, 120]);
  assert.deepEqual(lookup(r, "::127.42.1.7"), [{ city: "x" }, 120]);
  assert.deepEqual(r.get("2002:7f2a:0107::1"), { city: "x" });
  assert.deepEqual(r.get("2001:0:7f2a:0107::1"), { city: "x" });
  assert.equal(r.get("2002:7f2a:0207::1"), null);
  const plain = open({ ...base, ipv4Aliases: false, networks: [{ cidr: "127.42.1.0/24", data: { city: "x" } }] });
  assert.deepEqual(plain.get("127.42.1.7"), { city: "x" });
  assert.equal(plain.get("::ffff:127.42.1.7"), null);
  const mapped = open({ ...base, networks: [{ cidr: "::ffff:127.42.1.0/120", data: { city: "m" } }] });
  assert.deepEqual(lookup(mapped, "127.42.1.7"), [{ city: "m" }, 24], "IPv4-mapped input is stored as IPv4");
});

test("overlapping networks: the more specific wins whatever the input order; the same network twice keeps the last", () => {
  const nets: MmdbNetwork[] = [
    { cidr: "10.0.0.0/8", data: { n: "slash8" } },
    { cidr: "10.1.0.0/16", data: { n: "slash16" } },
    { cidr: "10.1.2.0/24", data: { n: "slash24" } },
    { cidr: "10.1.2.3", data: { n: "host" } },
    { cidr: "2001:db8::/32", data: { n: "v6-32" } },
    { cidr: "2001:db8:1::/48", data: { n: "v6-48" } },
  ];
  const expected: [string, string, number][] = [
    ["10.200.0.1", "slash8", 9], // reported prefix = depth of the record: the /8 was split where 10.1/16 branches off
    ["10.1.9.9", "slash16", 21],
    ["10.1.2.4", "slash24", 30], // .4 leaves the path to .3 at bit 30: the /24's record was split down to there
    ["10.1.2.200", "slash24", 25],
    ["10.1.2.3", "host", 32],
    ["2001:db8:2::", "v6-32", 47],
    ["2001:db8:1:ffff::1", "v6-48", 48],
  ];
  const orders = [nets, [...nets].reverse(), [nets[3]!, nets[0]!, nets[5]!, nets[2]!, nets[4]!, nets[1]!]];
  // records are laid out in input order, so bytes may differ between orders; lookups and tree shape may not
  for (const networks of orders) {
    const r = open({ ...base, networks });
    assert.equal(r.metadata.nodeCount, open({ ...base, networks: nets }).metadata.nodeCount);
    for (const [ip, n, prefix] of expected) assert.deepEqual(lookup(r, ip), [{ n }, prefix], ip);
  }
  const dup = open({
    ...base,
    networks: [
      { cidr: "10.0.0.0/8", data: { n: 1 } },
      { cidr: "10.0.0.0/8", data: { n: 2 } },
    ],
  });
  assert.deepEqual(dup.get("10.1.1.1"), { n: 2 });
});

test("sibling networks with identical records merge into their parent, as in MaxMind's files", () => {
  const same = { n: "same" };
  const r = open({
    ...base,
    networks: [
      { cidr: "192.0.2.0/25", data: same },
      { cidr: "192.0.2.128/25", data: { n: "same" } },
      { cidr: "198.51.100.0/25", data: { n: "a" } },
      { cidr: "198.51.100.128/25", data: { n: "b" } },
    ],
  });
  assert.deepEqual(lookup(r, "192.0.2.200"), [same, 24]);
  assert.deepEqual(lookup(r, "198.51.100.200"), [{ n: "b" }, 25]);
});

test("the whole address space and a covering IPv6 network coexist with the IPv4 subtree", () => {
  const r = open({
    ...base,
    networks: [
      { cidr: "::/0", data: { n: "all" } },
      { cidr: "1.0.0.0/8", data: { n: "one" } },
    ],
  });
  assert.deepEqual(r.get("2600::1"), { n: "all" });
  assert.deepEqual(r.get("1.2.3.4"), { n: "one" });
  assert.deepEqual(r.get("9.9.9.9"), { n: "all" });
  assert.deepEqual(r.get("::ffff:1.2.3.4"), { n: "one" });
  const v4 = open({
    ...base,
    ipVersion: 4,
    networks: [
      { cidr: "0.0.0.0/0", data: { n: "all" } },
      { cidr: "1.0.0.0/8", data: { n: "one" } },
    ],
  });
  assert.equal(v4.metadata.ipVersion, 4);
  assert.deepEqual(lookup(v4, "1.2.3.4"), [{ n: "one" }, 8]);
  assert.deepEqual(v4.get("200.1.1.1"), { n: "all" });
});

test("metadata carries every field the readers need", () => {
  const r = open({ ...base, networks: [{ cidr: "10.0.0.0/8", data: { a: 1 } }] });
  const m = r.metadata;
  assert.equal(m.binaryFormatMajorVersion, 2);
  assert.equal(m.binaryFormatMinorVersion, 0);
  assert.equal(m.databaseType, "Fluxture-Test-City");
  assert.deepEqual(m.description, { en: "writer test" });
  assert.deepEqual(m.languages, ["en", "de"]);
  assert.equal(m.ipVersion, 6);
  assert.equal(m.recordSize, 24);
  assert.equal(m.buildEpoch.toISOString(), "2023-11-14T22:13:20.000Z");
  // nodes: 96 on the ::/96 path + 8 for the /8, then the aliases' own paths: ::ffff:0:0/96 branches off
  // at depth 80 (15 new nodes), 2002::/16 at depth 2 (13), 2001::/32 off the 2002 path at depth 14 (17)
  assert.equal(m.nodeCount, 96 + 8 + 15 + 13 + 17);
  const l = layout(writeMmdb({ ...base, networks: [{ cidr: "10.0.0.0/8", data: { a: 1 } }] }));
  assert.equal(l.nodeCount, m.nodeCount);
  assert.equal(typeof l.metadata.build_epoch, "bigint");
  const date = open({ ...base, buildEpoch: new Date("2024-05-06T07:08:09.999Z"), networks: [] });
  assert.equal(date.metadata.buildEpoch.toISOString(), "2024-05-06T07:08:09.000Z");
});

test("record sizes 24, 28 and 32 all read back; the smallest that fits is chosen by default", () => {
  const networks: MmdbNetwork[] = Array.from({ length: 300 }, (_, i) => ({ cidr: `10.${i >> 8}.${i & 255}.0/24`, data: { i, name: `net-${i}` } }));
  const readers = ([24, 28, 32] as const).map((recordSize) => open({ ...base, recordSize, networks }));
  readers.forEach((r, k) => assert.equal(r.metadata.recordSize, [24, 28, 32][k]));
  for (const ip of ["10.0.0.1", "10.0.255.9", "10.1.43.200", "10.2.0.0", "::ffff:10.1.1.1"]) {
    const want = readers[0]!.get(ip);
    for (const r of readers) assert.deepEqual(r.get(ip), want, ip);
  }
  assert.equal(open({ ...base, networks }).metadata.recordSize, 24);
  // > 16 MiB of data no longer fits 24-bit records: 28 is chosen
  const big = writeMmdb({ ...base, networks: [0, 1].map((i) => ({ cidr: `10.${i}.0.0/16`, data: { blob: new Uint8Array(9_000_000).fill(i + 1) } })) });
  const rb = new Reader(Buffer.from(big));
  assert.equal(rb.metadata.recordSize, 28);
  assert.equal((rb.get("10.1.2.3") as { blob: Buffer }).blob[8_999_999], 2);
  assert.throws(
    () => writeMmdb({ ...base, recordSize: 24, networks: [{ cidr: "10.0.0.0/16", data: { blob: new Uint8Array(16_800_000) } }] }),
    (e: unknown) => e instanceof MmdbWriteError && e.code === "too_large",
  );
});

test("the same input gives the same bytes; nothing depends on the clock", () => {
  const networks = Array.from({ length: 500 }, (_, i) => ({ cidr: `172.16.${i >> 4}.${(i & 15) * 16}/28`, data: { k: i % 7, s: `v${i % 13}` } }));
  const a = writeMmdb({ ...base, networks });
  const b = writeMmdb({ ...base, networks: networks.map((n) => ({ ...n, data: { s: n.data.s, k: n.data.k } })) });
  assert.deepEqual(a, b);
  const stats = buildMmdb({ ...base, networks }).stats;
  assert.equal(stats.bytes, a.length);
  assert.equal(stats.networks, 500);
  assert.ok(stats.dataSectionBytes < 500 * 10, "91 distinct records, stored once each");
});

test("an empty database is valid and finds nothing", () => {
  const r = open({ ...base, networks: [] });
  assert.equal(r.metadata.nodeCount, 1);
  assert.equal(r.get("1.2.3.4"), null);
  assert.equal(r.get("2001:db8::1"), null);
});

test("bad networks and options are refused with a closed set of error codes", () => {
  const bad: [string, string][] = [
    ["10.0.0.0/33", "bad_network"],
    ["10.0.0.1/24", "bad_network"],
    ["10.0.0/24", "bad_network"],
    ["not-an-ip", "bad_network"],
    ["10.0.0.0/", "bad_network"],
    ["10.0.0.0/-1", "bad_network"],
    ["fe80::1%eth0/128", "bad_network"],
    ["2001:db8::/129", "bad_network"],
    [" 10.0.0.0/8", "bad_network"],
    ["2002:abcd::/32", "aliased_network"],
    ["2001:0:1::/48", "aliased_network"],
  ];
  for (const [cidr, code] of bad) {
    assert.throws(
      () => writeMmdb({ ...base, networks: [{ cidr, data: { a: 1 } }] }),
      (e: unknown) => e instanceof MmdbWriteError && e.code === code && e.message.includes(cidr.trim().split("/")[0]!.slice(0, 6)),
      cidr,
    );
  }
  assert.deepEqual(open({ ...base, ipv4Aliases: false, networks: [{ cidr: "2002:abcd::/32", data: { a: 1 } }] }).get("2002:abcd::1"), { a: 1 });
  assert.throws(
    () => writeMmdb({ ...base, ipVersion: 4, networks: [{ cidr: "2001:db8::/32", data: {} }] }),
    (e: unknown) => e instanceof MmdbWriteError && e.code === "bad_network",
  );
  assert.throws(
    () => writeMmdb({ ...base, buildEpoch: -1, networks: [] }),
    (e: unknown) => e instanceof MmdbWriteError && e.code === "bad_option",
  );
  assert.throws(
    () => writeMmdb({ ...base, buildEpoch: 1.5, networks: [] }),
    (e: unknown) => e instanceof MmdbWriteError && e.code === "bad_option",
  );
  assert.throws(
    () => writeMmdb({ ...base, databaseType: "", networks: [] }),
    (e: unknown) => e instanceof MmdbWriteError && e.code === "bad_option",
  );
  assert.throws(
    () => writeMmdb({ ...base, recordSize: 20 as 24, networks: [] }),
    (e: unknown) => e instanceof MmdbWriteError && e.code === "bad_option",
  );
  assert.throws(
    () => writeMmdb({ ...base, ipVersion: 5 as 6, networks: [] }),
    (e: unknown) => e instanceof MmdbWriteError && e.code === "bad_option",
  );
});

test("writeMmdbFile replaces the file atomically and leaves no temp file behind, even on failure", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fluxture-mmdb-"));
  try {
    const path = join(dir, "x.mmdb");
    await writeFile(path, "old contents");
    const stats = await writeMmdbFile(path, { ...base, networks: [{ cidr: "10.0.0.0/8", data: { a: 1 } }] });
    const bytes = await readFile(path);
    assert.equal(bytes.length, stats.bytes);
    const reader = await maxmind.open(path);
    assert.deepEqual(reader.get("10.9.9.9"), { a: 1 });
    assert.deepEqual(await readdir(dir), ["x.mmdb"]);
    await assert.rejects(writeMmdbFile(join(dir, "missing", "y.mmdb"), { ...base, networks: [] }), /cannot write .*y\.mmdb: folder .*missing does not exist/);
    await assert.rejects(writeMmdbFile(path, { ...base, networks: [{ cidr: "bogus", data: {} }] }), MmdbWriteError);
    assert.deepEqual(await readFile(path), bytes, "a failed write leaves the old file");
    assert.deepEqual(await readdir(dir), ["x.mmdb"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
