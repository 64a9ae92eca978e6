// Our files read by two other independent implementations: libmaxminddb (Debian's mmdblookup, and the
// C extension of python3-maxminddb) and python3-maxminddb's pure-Python decoder — compared with the
// `maxmind` npm reader on the same lookups, for every record size.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { Reader } from "maxmind";
import { bytes, double, float, int32, uint128, uint16, uint32, uint64, writeMmdb, type MmdbNetwork } from "../../tools/simnet/mmdb/index.ts";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3"; // Debian's interpreter, where python3-maxminddb is installed
let dir = "";
const files: Record<number, string> = {};

const london = {
  city: { geoname_id: uint32(2643743), names: { en: "London", de: "London" } },
  country: { iso_code: "GB", is_in_european_union: false, names: { en: "United Kingdom" } },
  location: { accuracy_radius: uint16(20), latitude: double(51.5074), longitude: double(-0.1278), time_zone: "Europe/London" },
  subdivisions: [{ iso_code: "ENG", names: { en: "England" } }],
};
const networks: MmdbNetwork[] = [
  { cidr: "127.42.1.0/24", data: london },
  { cidr: "127.42.1.7", data: { ...london, city: { geoname_id: uint32(2643123), names: { en: "Manchester" } } } },
  {
    cidr: "2001:db8::/32",
    data: {
      types: {
        u64: uint64(2n ** 63n + 1n),
        u128: uint128(2n ** 100n),
        i32: int32(-123456),
        f: float(0.5),
        b: bytes(Uint8Array.from([0xde, 0xad])),
        t: true,
        d: 1e-300,
        neg_zero: double(-0),
      },
    },
  },
  { cidr: "10.0.0.0/8", data: [uint16(1), "two", [3, [4]]] },
];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fluxture-mmdb-"));
  for (const recordSize of [24, 28, 32] as const) {
    files[recordSize] = join(dir, `r${recordSize}.mmdb`);
    await writeFile(
      files[recordSize]!,
      writeMmdb({
        databaseType: "Fluxture-Test-City",
        description: { en: "readers test", de: "Lesertest" },
        languages: ["en", "de"],
        buildEpoch: 1_700_000_000,
        recordSize,
        networks,
      }),
    );
  }
});
after(async () => rm(dir, { recursive: true, force: true }));

const lookup = (file: string, ip: string, ...path: string[]) => run("mmdblookup", ["--file", file, "--ip", ip, ...path]);

test("mmdblookup follows a data path to the right value on every record size, IPv4 and IPv6", async () => {
  for (const recordSize of [24, 28, 32]) {
    const f = files[recordSize]!;
    assert.equal((await lookup(f, "127.42.1.9", "city", "names", "en")).stdout.trim(), '"London" <utf8_string>');
    assert.equal((await lookup(f, "127.42.1.7", "city", "names", "en")).stdout.trim(), '"Manchester" <utf8_string>');
    assert.equal((await lookup(f, "::ffff:127.42.1.7", "city", "geoname_id")).stdout.trim(), "2643123 <uint32>");
    assert.equal((await lookup(f, "127.42.1.9", "location", "accuracy_radius")).stdout.trim(), "20 <uint16>");
    assert.equal((await lookup(f, "127.42.1.9", "location", "latitude")).stdout.trim(), "51.507400 <double>");
    assert.equal((await lookup(f, "127.42.1.9", "subdivisions", "0", "iso_code")).stdout.trim(), '"ENG" <utf8_string>');
    assert.equal((await lookup(f, "127.42.1.9", "country", "is_in_european_union")).stdout.trim(), "false <boolean>");
    assert.equal((await lookup(f, "10.1.2.3", "2", "1", "0")).stdout.trim(), "4 <uint32>");
  }
});

test("mmdblookup prints every MMDB type we write with the type name libmaxminddb decoded", async () => {
  const out = (await lookup(files[28]!, "2001:db8::42")).stdout;
  for (const expected of [
    "9223372036854775809 <uint64>",
    "0x00000010000000000000000000000000 <uint128>",
    "-123456 <int32>",
    "0.500000 <float>",
    "DEAD <bytes>",
    "true <boolean>",
    "-0.000000 <double>",
  ]) {
    assert.ok(out.includes(expected), `expected ${expected} in:\n${out}`);
  }
});

test("mmdblookup --verbose reads the metadata; a miss is reported as a miss", async () => {
  const { stdout } = await run("mmdblookup", ["--file", files[32]!, "--ip", "127.42.1.200", "--verbose"]);
  assert.match(stdout, /Record size:\s+32 bits/);
  assert.match(stdout, /IP version:\s+IPv6/);
  assert.match(stdout, /Binary format:\s+2\.0/);
  assert.match(stdout, /Build epoch:\s+1700000000 \(2023-11-14 22:13:20 UTC\)/);
  assert.match(stdout, /Type:\s+Fluxture-Test-City/);
  assert.match(stdout, /Languages:\s+en de/);
  assert.match(stdout, /de:\s+Lesertest/);
  assert.match(stdout, /Record prefix length: 121/); // 127.42.1.128/25 in IPv6 terms (the /24 split by the /32 at .7)
  const nodeCount = Number(/Node count:\s+(\d+)/.exec(stdout)?.[1]);
  assert.equal(nodeCount, new Reader(Buffer.from(writeMmdb({ databaseType: "x", buildEpoch: 0, recordSize: 32, networks }))).metadata.nodeCount);
  await assert.rejects(lookup(files[24]!, "127.43.0.1"), (e: { stdout?: string; stderr?: string }) => /Could not find an entry/.test(`${e.stdout}${e.stderr}`));
  await assert.rejects(lookup(files[24]!, "::1"), (e: { stdout?: string; stderr?: string }) => /Could not find an entry/.test(`${e.stdout}${e.stderr}`));
});

/** A JSON-safe canonical form shared by the Python and JS sides (big ints as strings, bytes as hex). */
function canon(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" && Number.isInteger(v) && Math.abs(v) > 2 ** 53) return String(v);
  if (typeof v === "number" && Object.is(v, -0)) return "-0";
  if (Buffer.isBuffer(v)) return v.toString("hex");
  if (Array.isArray(v)) return v.map(canon);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canon(x)]));
  return v;
}

const PY = `
import json, math, sys, maxminddb
def canon(v):
    if isinstance(v, dict): return {k: canon(x) for k, x in v.items()}
    if isinstance(v, list): return [canon(x) for x in v]
    if isinstance(v, bool): return v
    if isinstance(v, int): return str(v) if abs(v) > 2**53 else v
    if isinstance(v, float) and v == 0 and math.copysign(1, v) < 0: return "-0"
    if isinstance(v, (bytes, bytearray)): return bytes(v).hex()
    return v
path, mode, ips = sys.argv[1], sys.argv[2], sys.argv[3:]
r = maxminddb.open_database(path, getattr(maxminddb, mode))
m = r.metadata()
print(json.dumps({"meta": {"node_count": m.node_count, "record_size": m.record_size, "ip_version": m.ip_version, "database_type": m.database_type,
  "languages": m.languages, "description": m.description, "build_epoch": m.build_epoch, "major": m.binary_format_major_version},
  "records": [canon(r.get(ip)) for ip in ips]}))
`;

test("python3-maxminddb, pure Python and libmaxminddb C extension, agrees with the maxmind reader", async () => {
  const ips = ["127.42.1.9", "127.42.1.7", "::ffff:127.42.1.200", "2002:7f2a:0107::", "2001:db8::1", "10.9.9.9", "127.43.0.1", "::1", "2001:db9::1"];
  for (const recordSize of [24, 28, 32]) {
    const f = files[recordSize]!;
    const reader = new Reader(Buffer.from(await import("node:fs/promises").then((fs) => fs.readFile(f))));
    const expected = ips.map((ip) => canon(reader.get(ip)));
    for (const mode of ["MODE_FILE", "MODE_MMAP_EXT"]) {
      const { stdout } = await run(PYTHON, ["-c", PY, f, mode, ...ips]);
      const got = JSON.parse(stdout) as { meta: Record<string, unknown>; records: unknown[] };
      assert.deepEqual(got.records, expected, `${mode} record size ${recordSize}`);
      assert.deepEqual(got.meta, {
        node_count: reader.metadata.nodeCount,
        record_size: recordSize,
        ip_version: 6,
        database_type: "Fluxture-Test-City",
        languages: ["en", "de"],
        description: { en: "readers test", de: "Lesertest" },
        build_epoch: 1_700_000_000,
        major: 2,
      });
    }
  }
});
