// Lookups on MaxMind's public test databases (real MaxMind DB files), address labelling (private, reserved,
// loopback, overlay networks, invalid text), database checks, and IP text parsing. See agreement.test.ts for the
// walk and field reader checked against the maxmind reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildMmdb } from "../../lib/mmdb/writer.ts";
import { GeoDatabaseError, loadGeoDatabase, openGeoDatabase } from "../../stages/geolocate/database.ts";
import { Locator } from "../../stages/geolocate/locate.ts";
import { NETWORK_TYPES, type NetworkType } from "../../lib/bitcoin/address.ts";
import { UNLOOKED_GEO_STATUS, unlocatedGeoRow } from "../../pipeline/schema/geo.ts";
import { FIXTURES, locate, tempDir } from "./helpers.ts";

const city = await openGeoDatabase(FIXTURES.city, "city");
const asn = await openGeoDatabase(FIXTURES.asn, "asn");
const locator = new Locator(city, asn);

test("London: 81.2.69.142 in GeoLite2-City-Test", () => {
  const r = locate(locator, "81.2.69.142", "ipv4");
  assert.equal(r.status, "located");
  assert.deepEqual(r.city, {
    country_code: "GB",
    continent_code: "EU",
    city: "London",
    subdivision: "England",
    latitude: 51.5142,
    longitude: -0.0931,
    accuracy_radius_km: 10,
    time_zone: "Europe/London",
  });
  assert.equal(r.asn, null); // not in GeoLite2-ASN-Test
});

test("Linköping: 89.160.20.112 and 89.160.20.128 (two networks), with ASN 29518", () => {
  for (const address of ["89.160.20.112", "89.160.20.128", "89.160.20.255"]) {
    const r = locate(locator, address, "ipv4");
    assert.equal(r.status, "located", address);
    assert.equal(r.city?.city, "Linköping");
    assert.equal(r.city?.country_code, "SE");
    assert.equal(r.city?.subdivision, "Östergötland County");
    assert.equal(r.city?.accuracy_radius_km, 76);
    assert.equal(r.city?.time_zone, "Europe/Stockholm");
    assert.deepEqual(r.asn, { asn: 29518, as_org: "Bredband2 AB" });
  }
  const below = locate(locator, "89.160.20.111", "ipv4"); // just below 89.160.20.112/28: no city, same AS
  assert.equal(below.city, null);
  assert.equal(below.asn?.asn, 29518);
});

test("Changchun: the whole 175.16.199.0/24", () => {
  for (const address of ["175.16.199.0", "175.16.199.77", "175.16.199.255"]) {
    const r = locate(locator, address, "ipv4");
    assert.equal(r.city?.city, "Changchun", address);
    assert.equal(r.city?.country_code, "CN");
    assert.equal(r.city?.continent_code, "AS");
    assert.equal(r.city?.latitude, 43.88);
    assert.equal(r.city?.longitude, 125.3228);
  }
  assert.equal(locate(locator, "175.16.198.255", "ipv4").status, "not_found");
});

test("IPv6: 2001:218::/32 is Japan (no city)", () => {
  for (const address of ["2001:218::", "2001:218::1", "2001:218:ffff:ffff:ffff:ffff:ffff:ffff"]) {
    const r = locate(locator, address, "ipv6");
    assert.equal(r.status, "located", address);
    assert.equal(r.city?.country_code, "JP");
    assert.equal(r.city?.continent_code, "AS");
    assert.equal(r.city?.city, null);
    assert.equal(r.city?.time_zone, "Asia/Tokyo");
  }
  assert.equal(locate(locator, "2001:217:ffff::1", "ipv6").status, "not_found");
});

test("ASN only: 1.128.0.0 (Telstra), 12.81.92.0 (AT&T), 2600:6000::1 (Merit)", () => {
  assert.deepEqual(locate(locator, "1.128.0.0", "ipv4"), { status: "located", city: null, asn: { asn: 1221, as_org: "Telstra Pty Ltd" } });
  assert.equal(locate(locator, "12.81.92.0", "ipv4").asn?.asn, 7018);
  assert.deepEqual(locate(locator, "2600:6000::1", "ipv6").asn, { asn: 237, as_org: "Merit Network Inc." });
});

test("an address in neither database is not_found with every field null", () => {
  assert.deepEqual(locate(locator, "1.1.1.1", "ipv4"), { status: "not_found", city: null, asn: null });
  assert.deepEqual(locate(locator, "2a00:1450::1", "ipv6"), { status: "not_found", city: null, asn: null });
});

test("GeoIP2-City-Test works the same way as the GeoLite2 file", async () => {
  const geoip2 = new Locator(await openGeoDatabase(FIXTURES.geoip2City, "city"), null);
  assert.equal(locate(geoip2, "81.2.69.142", "ipv4").city?.city, "London");
  assert.equal(locate(geoip2, "1.128.0.0", "ipv4").asn, null); // no ASN database given
});

test("every IP is validated with net.isIP: trailing space, wrong family, zone id, garbage are 'invalid'", () => {
  for (const [address, type] of [
    ["81.2.69.142 ", "ipv4"],
    [" 81.2.69.142", "ipv4"],
    ["81.2.69.142", "ipv6"],
    ["2001:218::1", "ipv4"],
    ["fe80::1%eth0", "ipv6"],
    ["081.2.69.142", "ipv4"],
    ["81.2.69", "ipv4"],
    ["", "ipv4"],
    ["not an address", ""],
  ] as const) {
    const r = locate(locator, address, type);
    assert.deepEqual(r, { status: "invalid", city: null, asn: null }, JSON.stringify(address));
  }
  // without a network type the family is inferred from the text
  assert.equal(locate(locator, "81.2.69.142", "").city?.city, "London");
  assert.equal(locate(locator, "2001:218::1", "").city?.country_code, "JP");
});

test("onion, I2P and CJDNS addresses get their network label, no lookup", () => {
  const onion = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";
  assert.deepEqual(locate(locator, onion, "onion_v3"), { status: "onion", city: null, asn: null });
  assert.equal(locate(locator, onion, "").status, "onion");
  assert.equal(locate(locator, "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p", "i2p").status, "i2p");
  assert.equal(locate(locator, "fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa", "cjdns").status, "cjdns");
});

test("geolocate and the importer label an unlocated address of every network type alike (UNLOOKED_GEO_STATUS)", () => {
  const example: Record<NetworkType, string> = {
    ipv4: "192.0.2.77",
    ipv6: "2001:db8::77",
    onion_v2: "expyuzz4wqqyqhjn.onion",
    onion_v3: "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion",
    i2p: "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p",
    cjdns: "fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa",
  };
  for (const type of NETWORK_TYPES) {
    const imported = unlocatedGeoRow(example[type], type, new Date(0)).status;
    const located = locate(locator, example[type], type).status;
    // an IP neither database has: not_found (reserved documentation ranges are labelled by geolocate, which looks)
    assert.equal(imported, UNLOOKED_GEO_STATUS[type] ?? "not_found", type);
    if (UNLOOKED_GEO_STATUS[type] !== undefined) assert.equal(located, imported, type);
  }
});

test("private and reserved ranges are labelled and never looked up, even when the database has them", async () => {
  const { bytes } = buildMmdb({
    databaseType: "GeoLite2-City",
    buildEpoch: 1_700_000_000,
    networks: ["10.0.0.0/8", "192.168.0.0/16", "192.0.2.0/24", "224.0.0.0/4", "fd00::/8", "2001:db8::/32", "81.2.69.0/24"].map((cidr) => ({
      cidr,
      data: { country: { iso_code: "XX" }, city: { names: { en: `in ${cidr}` } } },
    })),
  });
  const l = new Locator(loadGeoDatabase(Buffer.from(bytes), "written.mmdb", "city"), null);
  const expect: [string, string, string][] = [
    ["10.1.2.3", "ipv4", "private"],
    ["172.16.0.1", "ipv4", "private"],
    ["172.31.255.255", "ipv4", "private"],
    ["192.168.1.1", "ipv4", "private"],
    ["100.64.0.1", "ipv4", "private"],
    ["169.254.10.10", "ipv4", "private"],
    ["fd00::1", "ipv6", "private"],
    ["fe80::1", "ipv6", "private"],
    ["::ffff:10.0.0.1", "ipv6", "private"],
    ["0.0.0.0", "ipv4", "reserved"],
    ["192.0.2.1", "ipv4", "reserved"],
    ["198.51.100.7", "ipv4", "reserved"],
    ["203.0.113.9", "ipv4", "reserved"],
    ["198.18.0.1", "ipv4", "reserved"],
    ["224.0.0.1", "ipv4", "reserved"],
    ["255.255.255.255", "ipv4", "reserved"],
    ["2001:db8::1", "ipv6", "reserved"],
    ["ff02::1", "ipv6", "reserved"],
    ["::", "ipv6", "reserved"],
  ];
  for (const [address, type, status] of expect) assert.deepEqual(locate(l, address, type), { status, city: null, asn: null }, address);
  assert.equal(locate(l, "172.32.0.1", "ipv4").status, "not_found"); // just outside 172.16/12
  assert.equal(locate(l, "81.2.69.1", "ipv4").city?.city, "in 81.2.69.0/24"); // public ranges are looked up
});

test("loopback is looked up (the simnet places 127.x in real cities) and labelled loopback only without a record", async () => {
  const l = new Locator(await openGeoDatabase(FIXTURES.loopback, "city"), null);
  assert.equal(locate(l, "127.0.1.5", "ipv4").city?.city, "London");
  assert.equal(locate(l, "127.0.2.200", "ipv4").city?.country_code, "JP");
  assert.equal(locate(l, "::1", "ipv6").city?.city, "Loopback6");
  assert.deepEqual(locate(l, "127.0.0.1", "ipv4"), { status: "loopback", city: null, asn: null });
  assert.equal(locate(locator, "::1", "ipv6").status, "loopback");
});

test("IPv6 in an IPv4-only database finds nothing (no garbage), IPv4 still works", () => {
  const { bytes } = buildMmdb({
    databaseType: "GeoLite2-City",
    buildEpoch: 1_700_000_000,
    ipVersion: 4,
    networks: [{ cidr: "81.2.69.0/24", data: { country: { iso_code: "GB" } } }],
  });
  const l = new Locator(loadGeoDatabase(Buffer.from(bytes), "v4.mmdb", "city"), null);
  assert.equal(locate(l, "81.2.69.9", "ipv4").city?.country_code, "GB");
  for (const a of ["2001:218::1", "::ffff:81.2.69.9", "5102:4509::1"])
    assert.deepEqual(locate(l, a, "ipv6"), { status: "not_found", city: null, asn: null }, a);
});

test("each distinct record is decoded once and shared by every address in it", () => {
  const l = new Locator(city, asn);
  for (let i = 0; i < 256; i++) l.locate(`175.16.199.${i}`, "ipv4");
  assert.equal(l.cityRecords.length, 1);
  l.locate("81.2.69.142", "ipv4");
  l.locate("81.2.69.143", "ipv4");
  assert.equal(l.cityRecords.length, 2);
  assert.equal(l.cityRecords[1]?.city, "London");
});

test("database checks: wrong kind, not MaxMind, gzip, truncated, missing, a folder — one line each naming the file", async (t) => {
  const tmp = await tempDir("geodb");
  t.after(tmp.cleanup);
  const expectError = async (path: string, kind: "city" | "asn", problem: GeoDatabaseError["problem"], pattern: RegExp) => {
    await assert.rejects(openGeoDatabase(path, kind), (err: unknown) => {
      assert.ok(err instanceof GeoDatabaseError, String(err));
      assert.equal(err.problem, problem);
      assert.match(err.message, pattern);
      assert.ok(err.message.includes(path), err.message);
      assert.ok(!err.message.includes("\n"));
      assert.match(err.message, /update-geo-db/);
      return true;
    });
  };
  await expectError(FIXTURES.country, "city", "wrong_type", /is a GeoLite2-Country database, not a City database.*--city-db/);
  await expectError(FIXTURES.city, "asn", "wrong_type", /is a GeoLite2-City database, not a ASN database.*--asn-db/);
  await expectError(FIXTURES.asn, "city", "wrong_type", /GeoLite2-ASN database, not a City/);
  const text = join(tmp.dir, "notes.txt");
  await writeFile(text, "this is not a database\n".repeat(100));
  await expectError(text, "city", "not_mmdb", /is not a MaxMind DB file/);
  const gz = join(tmp.dir, "GeoLite2-City.mmdb.gz");
  await writeFile(gz, gzipSync(await readFile(FIXTURES.city)));
  await expectError(gz, "city", "not_mmdb", /gzip-compressed/);
  const truncated = join(tmp.dir, "truncated.mmdb");
  const full = await readFile(FIXTURES.city);
  await writeFile(truncated, full.subarray(0, Math.floor(full.length / 2)));
  await expectError(truncated, "city", "not_mmdb", /not a MaxMind DB file/);
  const empty = join(tmp.dir, "empty.mmdb");
  await writeFile(empty, "");
  await expectError(empty, "city", "not_mmdb", /not a MaxMind DB file/);
  await expectError(join(tmp.dir, "absent.mmdb"), "city", "missing", /not found/);
  const folder = join(tmp.dir, "folder.mmdb");
  await mkdir(folder);
  await expectError(folder, "city", "unreadable", /cannot read City database.*EISDIR/);
});
