// The stage's own search-tree walk and selective field reader checked against the maxmind reader (walk + full
// decode) on MaxMind's test databases and on freshly written databases of every record size, plus the spec's
// record layouts and the block lookup's equivalence with address-by-address lookups.
import { Rng } from "../../lib/random.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildMmdb } from "../../lib/mmdb/writer.ts";
import { bytes, double, float, int32, uint16, uint32, uint64, uint128, type MmdbMap, type MmdbValue } from "../../lib/mmdb/values.ts";
import { NOT_FOUND, SearchTree, V6Cursor } from "../../stages/geolocate/tree.ts";
import { loadGeoDatabase, openGeoDatabase, type GeoDatabase } from "../../stages/geolocate/database.ts";
import { blockLine, GEO_STATUSES, Locator, typeCodesOf, type BlockResults } from "../../stages/geolocate/locate.ts";
import { parseIPv6 } from "../../lib/ip/index.ts";
import { asnFields, cityFields, referenceValues } from "./reference.ts";
import { type GeoRecordField, geoRecordFields } from "../../pipeline/schema/geo.ts";
import { FieldPlan } from "../../stages/geolocate/fields.ts";
import { parseIPv4Value } from "../../lib/ip/index.ts";
import { FIXTURES, locate, type Found } from "./helpers.ts";

const city = await openGeoDatabase(FIXTURES.city, "city");
const asn = await openGeoDatabase(FIXTURES.asn, "asn");

/** lib/random's PRNG, so the sampled addresses are the same on every run. */
function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.float();
}

function v4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function v6Text(words: number[]): string {
  return words.map((w) => w.toString(16)).join(":");
}

/** Checks that the locator finds exactly the record the maxmind reader returns, for every address given. */
function assertAgreesWithReader(db: GeoDatabase, addresses: readonly string[]): number {
  const l = db.kind === "city" ? new Locator(db, null) : new Locator(city, db);
  let hits = 0;
  for (const address of addresses) {
    const s = GEO_STATUSES[l.locate(address, "")];
    if (db.ipVersion === 4 && address.includes(":")) {
      assert.equal(db.kind === "city" ? l.cityId : l.asnId, -1, `${address}: IPv6 in an IPv4-only database`);
      continue; // the reader itself returns garbage here (the reason for the check)
    }
    const expected = db.reader.get(address);
    if (s === "private" || s === "reserved") continue;
    const id = db.kind === "city" ? l.cityId : l.asnId;
    if (expected === null) {
      assert.equal(id, -1, `${address} in ${db.path}: walk found a record the reader does not`);
    } else {
      hits++;
      assert.ok(id >= 0, `${address} in ${db.path}: reader found a record the walk did not`);
      const got = db.kind === "city" ? l.cityRecords[id] : l.asnRecords[id];
      assert.deepEqual(got, referenceValues(expected, geoRecordFields(db.kind)), `${address} in ${db.path}`);
      const pinned: Record<string, unknown> = db.kind === "city" ? cityFields(expected) : asnFields(expected);
      for (const [k, v] of Object.entries(pinned)) assert.deepEqual((got as Record<string, unknown>)[k], v, `${address} in ${db.path}: ${k}`);
    }
  }
  return hits;
}

/** Addresses around the starts of the networks the fixtures list (NETWORKS.md) and random ones. */
function sampleAddresses(rand: () => number, starts: readonly number[], n: number): string[] {
  const out: string[] = [];
  for (const s of starts) for (const d of [-1, 0, 1, 7, 8, 15, 16, 31, 32, 255, 256, 4095, 4096]) out.push(v4Text((s + d) >>> 0));
  for (let i = 0; i < n; i++) out.push(v4Text(Math.floor(rand() * 2 ** 32)));
  for (let i = 0; i < n; i++) {
    const words = [0x2001, Math.floor(rand() * 0x300), ...Array.from({ length: 6 }, () => Math.floor(rand() * 0x10000))];
    out.push(v6Text(words));
    out.push(v6Text([Math.floor(rand() * 0x10000), ...Array.from({ length: 7 }, () => Math.floor(rand() * 0x10000))]));
  }
  return out;
}

test("the search-tree walk agrees with the maxmind reader on MaxMind's test databases", async () => {
  const rand = prng(20261124);
  const starts = [
    "81.2.69.142",
    "89.160.20.112",
    "175.16.199.0",
    "2.125.160.216",
    "216.160.83.56",
    "67.43.156.0",
    "202.196.224.0",
    "214.78.0.0",
    "1.128.0.0",
    "12.81.92.0",
    "149.101.100.0",
  ].map((t) => {
    const [a, b, c, d] = t.split(".").map(Number) as [number, number, number, number];
    return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  });
  const addresses = sampleAddresses(rand, starts, 5000);
  let hits = 0;
  for (const path of [FIXTURES.city, FIXTURES.geoip2City, FIXTURES.loopback]) hits += assertAgreesWithReader(await openGeoDatabase(path, "city"), addresses);
  hits += assertAgreesWithReader(asn, addresses);
  assert.ok(hits > 500, `only ${hits} addresses fell in a network: the sample does not exercise the walk`);
});

/**
 * Varied City-shaped records: names in eight languages, every scalar type, long strings (all size encodings),
 * nested arrays and maps to skip, and malformed shapes (city as a string, latitude out of range, missing parts).
 */
function richRecord(i: number, rand: () => number): MmdbMap {
  const names = (base: string): MmdbMap => ({
    de: `${base} (de)`,
    en: base,
    es: `${base} es`,
    fr: `${base} fr`,
    ja: `${base}の`,
    "pt-BR": base,
    ru: `${base} ру`,
    "zh-CN": `${base}市`,
  });
  const record: Record<string, MmdbValue> = {
    continent: { code: ["EU", "AS", "NA", "OC"][i % 4]!, geoname_id: uint32(6255148 + (i % 4)), names: names(`Continent ${i % 4}`) },
    country: {
      geoname_id: uint32(1000 + (i % 50)),
      iso_code: `C${String.fromCharCode(65 + (i % 26))}`,
      is_in_european_union: i % 3 === 0,
      names: names(`Country ${i % 50}`),
    },
    location: {
      accuracy_radius: uint16(1 + (i % 1000)),
      latitude: double(rand() * 180 - 90),
      longitude: double(rand() * 360 - 180),
      metro_code: uint16(i % 900),
      time_zone: `Zone/${i % 40}`,
    },
    postal: { code: String(10000 + i) },
    registered_country: { geoname_id: uint32(2000 + (i % 30)), iso_code: "RC", names: names("Registered") },
    traits: {
      is_anycast: i % 2 === 0,
      big: uint64(2n ** 40n + BigInt(i)),
      huge: uint128(2n ** 100n),
      negative: int32(-i),
      ratio: float(0.5),
      raw: bytes(Uint8Array.of(1, 2, 3)),
      nested: [[1, 2, [3]], { a: [{ b: "c" }] }],
    },
    notes: "n".repeat(i % 5 === 0 ? 300 : 30), // 1- and 2-byte size encodings
  };
  if (i % 7 !== 0) record.city = { geoname_id: uint32(i), names: names(`City ${i}`) };
  else if (i % 14 === 0) record.city = "not a map";
  if (i % 5 !== 1)
    record.subdivisions = [
      { geoname_id: uint32(i), iso_code: "SB", names: names(`Sub ${i}`) },
      { iso_code: "S2", names: names("Second") },
    ];
  if (i % 11 === 0) record.location = { latitude: double(123.4), longitude: double(10), time_zone: "" };
  if (i % 50 === 3) record.padding = "p".repeat(70_000 + i); // 3-byte size encoding
  if (i % 13 === 0) {
    // the same city, location and subdivisions in several records: the writer stores them once and points to them
    record.city = SHARED.city;
    record.location = SHARED.location;
    record.subdivisions = i % 26 === 0 ? SHARED.subdivisions : SHARED.otherSubdivisions;
  }
  return record;
}

/** Values several rich records share (written once, reached through pointers). */
const SHARED: Record<"city" | "location" | "subdivisions" | "otherSubdivisions", MmdbValue> = {
  city: { geoname_id: uint32(77), names: { de: "Geteilt", en: "Shared City" } },
  location: { accuracy_radius: uint16(20), latitude: double(48.5), longitude: double(9.25), time_zone: "Europe/Berlin" },
  subdivisions: [
    { iso_code: "SH", names: { en: "Shared Region" } },
    { iso_code: "S2", names: { en: "Second" } },
  ],
  otherSubdivisions: [{ iso_code: "OT", names: { de: "Andere", en: "Other Region" } }],
};

test("walk and field reader agree with the maxmind reader for record sizes 24, 28 and 32, IPv4-only trees, varied records", () => {
  const rand = prng(7);
  const records = Array.from({ length: 300 }, (_, i) => richRecord(i, rand));
  const asnRecords = Array.from({ length: 50 }, (_, i) => ({
    autonomous_system_number: uint32(64_000 + i * 1000),
    autonomous_system_organization: i % 9 === 0 ? "" : `AS Org ${i} — Ünïcødé`,
  }));
  const networks: { cidr: string; data: MmdbValue }[] = [];
  const starts: number[] = [];
  for (let i = 0; i < 900; i++) {
    const len = 8 + Math.floor(rand() * 25);
    const base = (Math.floor(rand() * 2 ** 32) & (len === 32 ? -1 : ~((1 << (32 - len)) - 1))) >>> 0;
    if ([0, 10, 100, 127, 169, 172, 192, 198, 203].includes(base >>> 24) || base >>> 24 >= 224) continue; // keep to public space
    networks.push({ cidr: `${v4Text(base)}/${len}`, data: records[i % records.length]! });
    starts.push(base);
  }
  for (let i = 0; i < 500; i++) {
    const cidr = i % 2 === 0 ? `2a0${i % 10}:${(i * 37).toString(16)}::/32` : `2a0${i % 10}:${(i * 37).toString(16)}:${(i * 91).toString(16)}::/48`;
    networks.push({ cidr, data: records[(i * 7) % records.length]! });
  }
  const addresses = sampleAddresses(rand, starts, 800);
  for (const recordSize of [24, 28, 32] as const) {
    for (const ipVersion of [4, 6] as const) {
      const nets = ipVersion === 4 ? networks.filter((n) => !n.cidr.includes(":")) : networks;
      const { bytes, stats } = buildMmdb({ databaseType: "GeoLite2-City", buildEpoch: 1, recordSize, ipVersion, networks: nets });
      assert.equal(stats.recordSize, recordSize);
      const db = loadGeoDatabase(Buffer.from(bytes), `written-${recordSize}-v${ipVersion}.mmdb`, "city");
      const hits = assertAgreesWithReader(db, addresses);
      assert.ok(hits > 300, `record size ${recordSize}, IPv${ipVersion}: only ${hits} hits`);
      const asnNets = nets.map((n, k) => ({ cidr: n.cidr, data: asnRecords[k % asnRecords.length]! }));
      const asnDb = loadGeoDatabase(
        Buffer.from(buildMmdb({ databaseType: "GeoLite2-ASN", buildEpoch: 1, recordSize, ipVersion, networks: asnNets }).bytes),
        "asn.mmdb",
        "asn",
      );
      assert.ok(assertAgreesWithReader(asnDb, addresses) > 300);
    }
  }
});

/** Fields no geo column has (yet): declared here only, to show a declaration alone drives the reader. */
const TEST_ONLY_FIELDS: readonly GeoRecordField[] = [
  { name: "postal_code", type: "VARCHAR", db: "city", path: ["postal", "code"], meaning: "postal code" },
  { name: "subdivision_code", type: "VARCHAR", db: "city", path: ["subdivisions", 0, "iso_code"], meaning: "first subdivision's ISO code" },
  { name: "registered_country", type: "VARCHAR", db: "city", path: ["registered_country", "iso_code"], meaning: "registered country" },
  { name: "registered_name_de", type: "VARCHAR", db: "city", path: ["registered_country", "names", "de"], meaning: "its German name" },
  { name: "metro_code", type: "INTEGER", db: "city", path: ["location", "metro_code"], range: [0, 999], meaning: "metro code" },
  { name: "ratio", type: "DOUBLE", db: "city", path: ["traits", "ratio"], meaning: "a float" },
  { name: "negative", type: "INTEGER", db: "city", path: ["traits", "negative"], range: [-(2 ** 31), 2 ** 31 - 1], meaning: "an int32" },
  { name: "anycast_as_text", type: "VARCHAR", db: "city", path: ["traits", "is_anycast"], meaning: "a boolean: not text, so null" },
];

test("a field declared only here (postal code, subdivision ISO code, metro code, …) is read like the maxmind reader decodes it", () => {
  const rand = prng(11);
  const records = Array.from({ length: 120 }, (_, i) => richRecord(i, rand));
  const networks = records.map((data, i) => ({ cidr: `${20 + (i % 100)}.${i}.0.0/16`, data }));
  const db = loadGeoDatabase(Buffer.from(buildMmdb({ databaseType: "GeoLite2-City", buildEpoch: 1, networks }).bytes), "extra.mmdb", "city");
  const fields = [...geoRecordFields("city"), ...TEST_ONLY_FIELDS];
  const plan = new FieldPlan(fields);
  let nonNull = 0;
  for (let i = 0; i < networks.length; i++) {
    const address = `${20 + (i % 100)}.${i}.1.2`;
    const pointer = db.tree.lookupV4(parseIPv4Value(address));
    assert.notEqual(pointer, NOT_FOUND, address);
    const got = db.fields.project(db.recordOffset(pointer), plan);
    assert.deepEqual(got, referenceValues(db.reader.get(address), fields), address);
    nonNull += TEST_ONLY_FIELDS.filter((f) => got[f.name] !== null).length;
  }
  assert.ok(nonNull > networks.length * 4, `only ${nonNull} test-only values found: the records do not exercise the new paths`);
  assert.throws(() => new FieldPlan([...fields, { ...TEST_ONLY_FIELDS[0]!, name: "again" }]), /path shared/);
});

test("one plan over two databases: each reader remembers its own shared maps (same offsets, different contents)", () => {
  const build = (name: string) => {
    // one city map, pointed to by both records, at the same place in both files; Bravo's has an extra entry first,
    // so its English name lies elsewhere: memory shared between the readers would read Alpha's offset in Bravo
    const city: MmdbMap = name === "Alpha" ? { names: { en: name } } : { geoname_id: uint32(123_456), names: { en: name } };
    const networks = [
      { cidr: "20.0.0.0/16", data: { city, country: { iso_code: "AA" } } },
      { cidr: "21.0.0.0/16", data: { city, country: { iso_code: "BB" } } },
    ];
    return loadGeoDatabase(Buffer.from(buildMmdb({ databaseType: "GeoLite2-City", buildEpoch: 1, networks }).bytes), `${name}.mmdb`, "city");
  };
  const plan = new FieldPlan(geoRecordFields("city"));
  const a = build("Alpha");
  const b = build("Bravo");
  for (const address of ["20.0.1.1", "21.0.1.1"]) {
    const pa = a.tree.lookupV4(parseIPv4Value(address));
    const pb = b.tree.lookupV4(parseIPv4Value(address));
    assert.equal(a.fields.project(a.recordOffset(pa), plan).city, "Alpha");
    assert.equal(b.fields.project(b.recordOffset(pb), plan).city, "Bravo");
  }
});

test("record layouts follow the MaxMind DB spec (24/28/32-bit records, including the 28-bit middle nibbles)", () => {
  // One node whose two records are data pointers (> node_count); values above 2^24 exercise the high nibbles.
  const left = 0xabcdef1;
  const right = 0x7654321;
  const node24 = Uint8Array.from([0xab, 0xcd, 0xef, 0x76, 0x54, 0x32]);
  const node28 = Uint8Array.from([0xbc, 0xde, 0xf1, 0xa7, 0x65, 0x43, 0x21]);
  const node32 = Uint8Array.from([0x0a, 0xbc, 0xde, 0xf1, 0x07, 0x65, 0x43, 0x21]);
  const cases: [24 | 28 | 32, Uint8Array, number, number][] = [
    [24, node24, 0xabcdef, 0x765432],
    [28, node28, left, right],
    [32, node32, left, right],
  ];
  for (const [recordSize, node, l, r] of cases) {
    const tree = new SearchTree(node, { nodeCount: 1, recordSize, ipVersion: 4 });
    assert.equal(tree.lookupV4(0x00000001), l, `${recordSize}-bit left`);
    assert.equal(tree.lookupV4(0x80000001), r, `${recordSize}-bit right`);
  }
  const emptyRight = new SearchTree(Uint8Array.from([0x00, 0x00, 0x05, 0x00, 0x00, 0x01]), { nodeCount: 1, recordSize: 24, ipVersion: 4 });
  assert.equal(emptyRight.lookupV4(0x80000000), NOT_FOUND); // record == node_count: no data
  assert.equal(emptyRight.lookupV4(0x00000000), 5);
});

/** A block's results as what each address was found to be. */
function found(l: Locator, r: BlockResults): Found[] {
  return Array.from(r.status, (status, i) => ({
    status: GEO_STATUSES[status]!,
    city: r.city[i]! >= 0 ? l.cityRecords[r.city[i]!]! : null,
    asn: r.asn[i]! >= 0 ? l.asnRecords[r.asn[i]!]! : null,
  }));
}

test("locateBlock and locateText (numeric order, same-network shortcut) give exactly what locate gives address by address", () => {
  const rand = prng(99);
  const networks: { cidr: string; data: MmdbValue }[] = [];
  const starts: number[] = [];
  for (let i = 0; i < 6000; i++) {
    const len = 12 + Math.floor(rand() * 21);
    const base = (Math.floor(rand() * 2 ** 32) & (len === 32 ? -1 : ~((1 << (32 - len)) - 1))) >>> 0;
    if (base >>> 24 === 0 || base >>> 24 >= 224 || base >>> 24 === 10) continue;
    networks.push({ cidr: `${v4Text(base)}/${len}`, data: { country: { iso_code: `N${i % 10}` }, city: { names: { en: `C${i}` } } } });
    starts.push(base);
  }
  networks.push({ cidr: "127.0.1.0/24", data: { city: { names: { en: "Loopback City" } } } });
  for (let i = 0; i < 300; i++) {
    const cidr =
      i % 3 === 0 ? `2a0${i % 10}:${(i * 37).toString(16)}::/32` : `2a0${i % 10}:${(i * 37).toString(16)}:${(i * 91).toString(16)}::/${48 + (i % 17)}`;
    networks.push({ cidr, data: { country: { iso_code: `V${i % 10}` }, city: { names: { en: `V6 ${i}` } } } });
  }
  for (const recordSize of [24, 28, 32] as const) {
    const db = loadGeoDatabase(Buffer.from(buildMmdb({ databaseType: "GeoLite2-City", buildEpoch: 1, recordSize, networks }).bytes), "block.mmdb", "city");
    const addresses = sampleAddresses(rand, starts, 3000);
    // dense runs of neighbours, so the shortcut is taken often, plus every kind of special address
    for (const s of starts.slice(0, 200)) for (let d = 0; d < 20; d++) addresses.push(v4Text((s + d * 3) >>> 0));
    // IPv6 neighbours inside and around the networks above, so walks resume at every depth
    for (let i = 0; i < 300; i++) {
      const net = [0x2a00 + (i % 10), i * 37, i * 91];
      for (let d = 0; d < 6; d++) {
        const words = [...net, Math.floor(rand() * 0x10000) >> (d * 3), d, 0, Math.floor(rand() * 4), d * 7];
        addresses.push(v6Text(words));
      }
    }
    addresses.push("127.0.1.9", "127.0.0.1", "10.1.1.1", "192.0.2.1", "81.2.69.142 ", "2001:db8::1", "x.onion", "fc00::1", "", "1.2.3.4");
    addresses.push("::1", "::ffff:81.2.69.142", "fe80::1", "2a00::1%eth0", "2a01:25::1", "2a01:25::1:0");
    const types = addresses.map((a, i) =>
      a === "fc00::1" ? "cjdns" : i % 3 === 0 ? "" : a.includes(":") ? "ipv6" : a.endsWith(".onion") ? "onion_v3" : "ipv4",
    );
    const single = new Locator(db, asn);
    const expected = addresses.map((a, i) => locate(single, a, types[i]!));
    const block = new Locator(db, asn);
    const got = found(block, block.locateBlock(addresses, typeCodesOf(types)));
    assert.deepEqual(got, expected, `record size ${recordSize}`);
    // the same block as text, its lines shuffled (readAddressBlocks delivers them in no particular order)
    const codes = typeCodesOf(types);
    const lines = addresses.map((a, i) => blockLine(i, codes[i]!, a));
    for (let i = lines.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    }
    const fromText = new Locator(db, asn);
    assert.deepEqual(found(fromText, fromText.locateText(lines.join("\n"), addresses.length)), expected, `record size ${recordSize}, text`);
    assert.ok(expected.filter((e) => e.status === "located").length > 3000);
    assert.equal(got[addresses.indexOf("127.0.1.9")]!.city?.city, "Loopback City");
    assert.equal(got[addresses.indexOf("127.0.0.1")]!.status, "loopback");
  }
});

test("V6Cursor (walks resumed where addresses part, skipped when they share the walk) agrees with lookupV6", () => {
  const rand = prng(61);
  const networks: { cidr: string; data: MmdbValue }[] = [];
  const prefixes: number[][] = [];
  for (let i = 0; i < 400; i++) {
    const len = [16, 24, 32, 40, 48, 56, 64, 96, 112, 127, 128][i % 11]!;
    const words = Array.from({ length: 8 }, (_, w) => (w * 16 < len ? Math.floor(rand() * 0x10000) : 0));
    words[0] = 0x2000 + (words[0]! & 0x0fff);
    if (len % 16 !== 0) words[len >> 4] = words[len >> 4]! & ((0xffff << (16 - (len % 16))) & 0xffff);
    networks.push({ cidr: `${v6Text(words)}/${len}`, data: { city: { names: { en: `N${i}` } } } });
    prefixes.push(words);
  }
  networks.push({ cidr: "81.2.69.0/24", data: { city: { names: { en: "Mapped" } } } });
  // neighbours of every network (sharing long prefixes, in and out of it), repeats, and random addresses
  const addresses: Uint8Array[] = [];
  for (const words of prefixes) {
    for (let k = 0; k < 8; k++) {
      const w = [...words];
      w[k] = (w[k]! + Math.floor(rand() * 3) - 1) & 0xffff;
      addresses.push(parseIPv6(v6Text(w))!);
      addresses.push(parseIPv6(v6Text(w))!);
    }
  }
  for (let i = 0; i < 2000; i++) addresses.push(parseIPv6(v6Text(Array.from({ length: 8 }, () => Math.floor(rand() * 0x10000))))!);
  addresses.push(parseIPv6("::ffff:81.2.69.142")!, parseIPv6("::1")!, parseIPv6("::")!, parseIPv6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")!);
  const orders: [string, Uint8Array[]][] = [
    ["as generated", addresses],
    ["sorted", [...addresses].sort((a, b) => Buffer.compare(a, b))],
  ];
  for (const recordSize of [24, 28, 32] as const) {
    const { bytes } = buildMmdb({ databaseType: "GeoLite2-City", buildEpoch: 1, recordSize, ipVersion: 6, networks });
    const tree = loadGeoDatabase(Buffer.from(bytes), "v6.mmdb", "city").tree;
    for (const [name, list] of orders) {
      const packed = new Uint8Array(list.length * 16);
      list.forEach((a, i) => packed.set(a, i * 16));
      const cursor = new V6Cursor(tree);
      let hits = 0;
      list.forEach((a, i) => {
        const expected = tree.lookupV6(a);
        assert.equal(cursor.lookup(packed, i * 16), expected, `${Buffer.from(a).toString("hex")} (${name}, ${recordSize}-bit)`);
        if (expected !== NOT_FOUND) hits++;
      });
      assert.ok(hits > 1000, `only ${hits} hits (${name}, ${recordSize}-bit)`);
    }
  }
  const v4Only = loadGeoDatabase(
    Buffer.from(buildMmdb({ databaseType: "GeoLite2-City", buildEpoch: 1, ipVersion: 4, networks: networks.slice(-1) }).bytes),
    "v4.mmdb",
    "city",
  );
  assert.equal(new V6Cursor(v4Only.tree).lookup(parseIPv6("::ffff:81.2.69.142")!, 0), NOT_FOUND);
});

test("locateText refuses text that does not hold exactly its count of indexed lines", () => {
  const l = new Locator(city, asn);
  const ok = [blockLine(1, "4", "81.2.69.142"), blockLine(0, "3", "x.onion")].join("\n");
  assert.deepEqual(
    Array.from(l.locateText(ok, 2).status, (s) => GEO_STATUSES[s]),
    ["onion", "located"],
  );
  assert.deepEqual(Array.from(l.locateText("", 0).status), []);
  assert.deepEqual(
    Array.from(l.locateText("0\t-", 1).status, (s) => GEO_STATUSES[s]),
    ["invalid"],
  ); // an empty address
  for (const [text, count] of [
    [ok, 1], // a line too many
    [ok, 3], // a line too few
    [`${ok}\n`, 2], // a trailing empty line
    [[blockLine(0, "4", "1.2.3.4"), blockLine(0, "4", "1.2.3.5")].join("\n"), 2], // an index twice
    [[blockLine(0, "4", "1.2.3.4"), blockLine(2, "4", "1.2.3.5")].join("\n"), 2], // an index out of range
    ["x\t41.2.3.4", 1], // no index
    ["\t41.2.3.4", 1], // an empty index
    ["0\t", 1], // no type code
    ["0", 1], // no tab
    ["1.2.3.4", 0], // text without a count
  ] as const) {
    assert.throws(() => l.locateText(text, count), /locateText/, JSON.stringify(text));
  }
});
