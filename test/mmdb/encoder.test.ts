// Data-section encoder: byte-exact control bytes, sizes and pointers per the MaxMind DB 2.0 spec,
// dedup of repeated values, and every type read back by the `maxmind` reader.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Reader } from "maxmind";
import { DataSectionEncoder, encodeStandalone } from "../../lib/mmdb/encoder.ts";
import { MMDB_TYPE, controlBytes, pointerBytes, pointerSize } from "../../lib/mmdb/format.ts";
import {
  MmdbWriteError,
  bytes,
  double,
  float,
  int32,
  uint128,
  uint16,
  uint32,
  uint64,
  writeMmdb,
  type MmdbNetwork,
  type MmdbValue,
} from "../../tools/simnet/mmdb/index.ts";
import { allValues, decodeTyped, layout, networkText, plain, recordAt, walkNetworks } from "./inspect.ts";

const hex = (b: ArrayLike<number>) => Buffer.from(Array.from(b)).toString("hex");

test("control bytes match the spec's examples, including extended types and the three long sizes", () => {
  assert.equal(hex(controlBytes(MMDB_TYPE.utf8_string, 2)), "42"); // 01000010: string, 2 bytes
  assert.equal(hex(controlBytes(MMDB_TYPE.utf8_string, 28)), "5c"); // 01011100
  assert.equal(hex(controlBytes(MMDB_TYPE.uint32, 1)), "c1"); // 11000001
  assert.equal(hex(controlBytes(MMDB_TYPE.uint128, 3)), "0303"); // 00000011 00000011: extended, uint128, 3 bytes
  assert.equal(hex(controlBytes(MMDB_TYPE.utf8_string, 80)), "5d33"); // 29 + 0x33
  assert.equal(hex(controlBytes(MMDB_TYPE.utf8_string, 13392)), "5e3333"); // 285 + 0x3333
  assert.equal(hex(controlBytes(MMDB_TYPE.utf8_string, 3421264)), "5f333333"); // 65821 + 0x333333
  assert.equal(hex(controlBytes(MMDB_TYPE.array, 300)), "1e04000f"); // extended array; size 285 + 0x000f
  assert.throws(
    () => controlBytes(MMDB_TYPE.bytes, 65821 + 0x1000000),
    (e: unknown) => e instanceof MmdbWriteError && e.code === "too_large",
  );
});

test("pointers use the smallest of the four encodings and decode back to the same offset", () => {
  const cases: [number, string][] = [
    [0, "2000"],
    [2047, "27ff"],
    [2048, "280000"],
    [526335, "2fffff"],
    [526336, "30000000"],
    [134744063, "37ffffff"],
    [134744064, "3808080800"],
    [0xffffffff, "38ffffffff"],
  ];
  for (const [offset, expected] of cases) {
    const b = pointerBytes(offset);
    assert.equal(hex(b), expected, `offset ${offset}`);
    assert.equal(b.length, pointerSize(offset));
    // decode with the spec's formula
    const ss = ((b[0] as number) >> 3) & 3;
    const vvv = (b[0] as number) & 7;
    const rest = b.slice(1).reduce((acc, x) => acc * 256 + x, 0);
    const decoded = ss === 3 ? rest : vvv * 256 ** (ss + 1) + rest + [0, 2048, 526336][ss]!;
    assert.equal(decoded, offset);
  }
  assert.throws(() => pointerBytes(2 ** 32), MmdbWriteError);
});

test("scalars are encoded exactly: minimal unsigned ints, 4-byte negative int32, IEEE doubles and floats", () => {
  const cases: [MmdbValue, string][] = [
    ["", "40"],
    ["en", "42656e"],
    [uint32(0), "c0"],
    [uint32(1), "c101"],
    [0xffffffff, "c4ffffffff"],
    [uint16(300), "a2012c"],
    [int32(5), "010105"],
    [int32(-1), "0401ffffffff"],
    [-2, "0401fffffffe"],
    [uint64(2n ** 40n), "06020100000000" + "00"],
    [2 ** 40, "06020100000000" + "00"],
    [uint128(1n), "010301"],
    [2n ** 64n, "0903010000000000000000"],
    [true, "0107"],
    [false, "0007"],
    [double(1.5), "683ff8000000000000"],
    [1.5, "683ff8000000000000"],
    [double(52), "68404a000000000000"],
    [float(1.5), "04083fc00000"],
    [bytes(Uint8Array.from([1, 2, 3])), "83010203"],
    [Uint8Array.from([]), "80"],
    [{}, "e0"],
    [[], "0004"],
  ];
  for (const [value, expected] of cases)
    assert.equal(
      hex(encodeStandalone(value)),
      expected,
      JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)),
    );
});

test("maps are written with sorted keys, so key order in the input never changes the bytes", () => {
  const a = encodeStandalone({ b: 1, a: "x", c: [true] });
  const b = encodeStandalone({ c: [true], a: "x", b: 1 });
  assert.equal(hex(a), hex(b));
  assert.equal(hex(a), "e3" + "4161" + "4178" + "4162" + "c101" + "4163" + "0104" + "0107");
});

test("identical records are stored once and repeated strings and maps become pointers", () => {
  const enc = new DataSectionEncoder();
  const london = { city: { names: { en: "London" } }, country: { iso_code: "GB", names: { en: "United Kingdom" } } };
  const first = enc.add(london);
  const sizeAfterFirst = enc.size;
  assert.equal(enc.add({ country: { names: { en: "United Kingdom" }, iso_code: "GB" }, city: { names: { en: "London" } } }), first);
  assert.equal(enc.size, sizeAfterFirst, "a repeated record adds nothing");
  const second = enc.add({ city: { names: { en: "Manchester" } }, country: { iso_code: "GB", names: { en: "United Kingdom" } } });
  const buf = Buffer.from(enc.bytes());
  const decoded = decodeTyped(buf, 0, second).v;
  assert.deepEqual(plain(decoded), { city: { names: { en: "Manchester" } }, country: { iso_code: "GB", names: { en: "United Kingdom" } } });
  const viaPointer = allValues(decoded).filter((v) => v.pointerSize !== undefined);
  // keys "city", "names", "en", "country" and the whole country map come from the first record
  assert.ok(
    viaPointer.some((v) => v.type === "map"),
    "the repeated country map is a pointer",
  );
  assert.ok(viaPointer.some((v) => v.type === "utf8_string" && v.value === "names"));
  assert.ok(!viaPointer.some((v) => v.value === "Manchester"));
  // a pointer is never used where it would not be shorter: 1-byte values stay inline
  const small = new DataSectionEncoder();
  small.add({ a: true });
  const o = small.add({ b: true });
  assert.ok(allValues(decodeTyped(Buffer.from(small.bytes()), 0, o).v).every((v) => v.pointerSize === undefined));
});

test("3- and 4-byte pointers past 2 KiB and 514 KiB resolve in the maxmind reader", () => {
  const blob = (n: number, fill: number) => bytes(new Uint8Array(n).fill(fill));
  const networks: MmdbNetwork[] = [
    { cidr: "10.0.0.0/24", data: { pad: blob(4000, 1) } },
    { cidr: "10.0.1.0/24", data: { label: "after-two-kib", pad: blob(600_000, 2) } },
    { cidr: "10.0.2.0/24", data: { label: "after-514-kib", again: "after-two-kib" } },
    { cidr: "10.0.3.0/24", data: { label: "after-514-kib", again: "after-two-kib", x: 1 } },
  ];
  const db = writeMmdb({ databaseType: "Test", buildEpoch: 0, networks });
  const reader = new Reader(Buffer.from(db));
  assert.deepEqual(reader.get("10.0.3.9"), { label: "after-514-kib", again: "after-two-kib", x: 1 });
  assert.deepEqual(reader.get("10.0.2.1"), { label: "after-514-kib", again: "after-two-kib" });
  const l = layout(db);
  const last = walkNetworks(l).find((n) => networkText(n) === "10.0.3.0/24");
  assert.ok(last !== undefined);
  const sizes = new Set(allValues(recordAt(l, last.record)).flatMap((v) => (v.pointerSize === undefined ? [] : [v.pointerSize])));
  assert.ok(sizes.has(3), `a 3-byte pointer is used (saw ${[...sizes]})`);
  assert.ok(sizes.has(4), `a 4-byte pointer is used (saw ${[...sizes]})`);
});

test("long strings and byte strings cross every size boundary and read back intact", () => {
  const lengths = [28, 29, 284, 285, 286, 65820, 65821, 65822, 70000];
  const networks = lengths.map((n, i) => ({
    cidr: `10.1.${i}.0/24`,
    data: { s: "é".repeat(Math.floor(n / 2)) + "x".repeat(n % 2), b: bytes(new Uint8Array(n).fill(i)) },
  }));
  const reader = new Reader(Buffer.from(writeMmdb({ databaseType: "Test", buildEpoch: 0, networks })));
  lengths.forEach((n, i) => {
    const got = reader.get(`10.1.${i}.1`) as { s: string; b: Buffer } | null;
    assert.ok(got !== null);
    assert.equal(Buffer.byteLength(got.s, "utf8"), n);
    assert.equal(got.b.length, n);
    assert.ok(got.b.every((x) => x === i));
  });
});

test("values the format cannot hold are refused with a typed error naming the path", () => {
  const bad: [unknown, RegExp][] = [
    [{ a: null }, /null.*\/a/],
    [{ a: { b: undefined } }, /undefined.*\/a\/b/],
    [[() => 1], /function/],
    [{ big: -1n }, /uint128/],
    [{ huge: 2n ** 128n }, /uint128/],
  ];
  for (const [value, message] of bad) {
    assert.throws(
      () => new DataSectionEncoder().add(value as MmdbValue),
      (e: unknown) => e instanceof MmdbWriteError && e.code === "bad_value" && message.test(e.message),
    );
  }
  assert.throws(() => uint16(70000), MmdbWriteError);
  assert.throws(() => uint32(-1), MmdbWriteError);
  assert.throws(() => uint32(1.5), MmdbWriteError);
  assert.throws(() => int32(2 ** 31), MmdbWriteError);
  assert.throws(() => uint64(-1), MmdbWriteError);
  assert.throws(() => uint64(2 ** 60), MmdbWriteError, "unsafe number must be a bigint");
  assert.throws(() => uint128(2n ** 128n), MmdbWriteError);
  let deep: MmdbValue = "leaf";
  for (let i = 0; i < 600; i++) deep = [deep];
  assert.throws(() => new DataSectionEncoder().add(deep), /nested deeper/);
});
