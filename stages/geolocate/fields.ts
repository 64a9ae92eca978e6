// Reads just the columns geo.parquet needs out of a MaxMind DB record ("MaxMind DB File Format 2.0", Output Data
// Section), skipping everything else without decoding it. A full decode of a City record (names in eight languages,
// geoname ids, postal, registered country…) costs several times more and dominated a million-address run.
// A record is walked once, and what a path finds in a map shared through a pointer (a country, a continent, a
// city's names) is remembered, since the first block of a run decodes tens of thousands of records.
// The test suite checks every projected field against the maxmind reader's full decode.
import type { AsnFields, CityFields } from "./locate.ts";

import { MAX_DEPTH, MMDB_TYPE, POINTER_BASE_1, POINTER_BASE_2, SIZE_BASE_1, SIZE_BASE_2, SIZE_BASE_3 } from "../../lib/mmdb/format.ts";

const T_POINTER = MMDB_TYPE.pointer;
const T_STRING = MMDB_TYPE.utf8_string;
const T_DOUBLE = MMDB_TYPE.double;
const T_UINT16 = MMDB_TYPE.uint16;
const T_UINT32 = MMDB_TYPE.uint32;
const T_MAP = MMDB_TYPE.map;
const T_INT32 = MMDB_TYPE.int32;
const T_UINT64 = MMDB_TYPE.uint64;
const T_UINT128 = MMDB_TYPE.uint128;
const T_ARRAY = MMDB_TYPE.array;
const T_BOOLEAN = MMDB_TYPE.boolean;
const T_FLOAT = MMDB_TYPE.float;

/** A malformed data section (bad type, pointer out of range, a pointer to a pointer). */
export class RecordFormatError extends Error {}

/** Map keys leading to one value, with what they found in maps reached through a pointer (by offset and depth). */
class KeyPath {
  /** (map payload offset × 4 + depth) → found value offset, or -1. */
  readonly found = new Map<number, number>();
  /** Shared array's first element offset → found value offset, or -1 (walkFirst). */
  readonly firstFound = new Map<number, number>();
  constructor(readonly keys: readonly string[]) {
    if (keys.length > 4) throw new Error("KeyPath: at most 4 keys"); // a depth (0…3) fits the 2 bits of `found` keys
  }
}

/** Selective reader over one database's data section; offsets are absolute file offsets. */
export class FieldReader {
  private readonly db: Buffer;
  private readonly dataStart: number;
  private readonly dataEnd: number;
  /** Decoded strings by offset: map keys and shared names are stored once and pointed to many times. */
  private readonly strings = new Map<number, string>();
  // state of the last header() call
  private type = 0;
  private size = 0;
  private payload = 0;
  private next = 0;
  // results of the last walk (walkTo / walkFirst) and location()
  private found = -1;
  private latitude: number | null = null;
  private longitude: number | null = null;
  private accuracy: number | null = null;
  private timeZone: string | null = null;
  // the paths city() follows, each remembering what it found in shared maps of this database
  private readonly namesEn = new KeyPath(["names", "en"]);
  private readonly isoCode = new KeyPath(["iso_code"]);
  private readonly code = new KeyPath(["code"]);
  private readonly subdivisionNamesEn = new KeyPath(["names", "en"]);

  constructor(db: Buffer, dataStart: number, dataEnd: number) {
    this.db = db;
    this.dataStart = dataStart;
    this.dataEnd = dataEnd;
  }

  /** Reads the control byte(s) at `offset`, following one pointer; sets type/size/payload and `next` (after the value at `offset`). Bounded recursion: one pointer, never a pointer to a pointer. */
  private header(offset: number, followed = false): void {
    const db = this.db;
    if (offset < this.dataStart || offset >= this.dataEnd) throw new RecordFormatError(`data offset ${offset} out of range`);
    const ctrl = db[offset]!;
    let type = ctrl >> 5;
    let p = offset + 1;
    if (type === T_POINTER) {
      if (followed) throw new RecordFormatError(`pointer to a pointer at ${offset}`);
      const ss = (ctrl >> 3) & 3;
      const vvv = ctrl & 7;
      let target: number;
      if (ss === 0) target = (vvv << 8) | db[p]!;
      else if (ss === 1) target = ((vvv << 16) | (db[p]! << 8) | db[p + 1]!) + POINTER_BASE_1;
      else if (ss === 2) target = ((vvv << 24) | (db[p]! << 16) | (db[p + 1]! << 8) | db[p + 2]!) + POINTER_BASE_2;
      else target = ((db[p]! << 24) | (db[p + 1]! << 16) | (db[p + 2]! << 8) | db[p + 3]!) >>> 0;
      const after = p + ss + 1;
      this.header(this.dataStart + target, true);
      this.next = after;
      return;
    }
    if (type === 0) type = 7 + db[p++]!;
    let size = ctrl & 0x1f;
    if (size === 29) size = SIZE_BASE_1 + db[p++]!;
    else if (size === 30) {
      size = SIZE_BASE_2 + ((db[p]! << 8) | db[p + 1]!);
      p += 2;
    } else if (size === 31) {
      size = SIZE_BASE_3 + ((db[p]! << 16) | (db[p + 1]! << 8) | db[p + 2]!);
      p += 3;
    }
    this.type = type;
    this.size = size;
    this.payload = p;
    this.next = type === T_MAP || type === T_ARRAY ? -1 : type === T_BOOLEAN ? p : p + size;
  }

  /**
   * Offset just after the value at `offset` (maps and arrays are walked, nothing is decoded). Bounded recursion:
   * nesting deeper than MAX_DEPTH (libmaxminddb's limit) is a RecordFormatError, not a stack overflow.
   */
  private skip(offset: number, depth = 0): number {
    if (depth > MAX_DEPTH) throw new RecordFormatError(`data nested deeper than ${MAX_DEPTH} at ${offset}`);
    this.header(offset);
    if (this.next >= 0) return this.next;
    const count = this.type === T_MAP ? this.size * 2 : this.size;
    let p = this.payload;
    for (let i = 0; i < count; i++) p = this.skip(p, depth + 1);
    return p;
  }

  /** The string at `offset` (following a pointer), or null if the value is not a string. */
  private string(offset: number): string | null {
    this.header(offset);
    if (this.type !== T_STRING) return null;
    const at = this.payload;
    let s = this.strings.get(at);
    if (s === undefined) {
      s = this.db.toString("utf8", at, at + this.size);
      if (this.size <= 64) this.strings.set(at, s);
    }
    return s;
  }

  /** A number value (double, float, unsigned/signed ints up to 32 bits) at `offset`, or null. */
  private number(offset: number): number | null {
    this.header(offset);
    const db = this.db;
    const p = this.payload;
    switch (this.type) {
      case T_DOUBLE:
        return this.size === 8 ? db.readDoubleBE(p) : null;
      case T_FLOAT:
        return this.size === 4 ? db.readFloatBE(p) : null;
      case T_UINT16:
      case T_UINT32:
      case T_UINT64:
      case T_UINT128: {
        if (this.size > 6) return null;
        return this.size === 0 ? 0 : db.readUIntBE(p, this.size);
      }
      case T_INT32:
        if (this.size === 0) return 0;
        return this.size < 4 ? db.readUIntBE(p, this.size) : db.readInt32BE(p);
      default:
        return null;
    }
  }

  /** Offset just after the value at `offset`, given that header(offset) just ran (`after` = its `next`). */
  private end(offset: number, after: number): number {
    return after >= 0 ? after : this.skip(offset);
  }

  private stringAt(offset: number): string | null {
    if (offset < 0) return null;
    const s = this.string(offset);
    return s === "" ? null : s;
  }

  /**
   * Walks the value at `offset` once: returns the offset just after it and sets `found` to the offset of the value
   * reached from it through the map keys `path.keys[from…]` (the value itself when none are left), or -1 when a step
   * is missing or not a map. A map reached through a pointer is shared by many records (countries, continents,
   * names): what the path finds in it is remembered by its offset, and the walk after a pointer needs no skipping.
   */
  private walkTo(offset: number, path: KeyPath, from: number): number {
    if (from === path.keys.length) {
      this.found = offset;
      return this.skip(offset);
    }
    this.header(offset);
    const after = this.next;
    if (this.type !== T_MAP) {
      this.found = -1;
      return this.end(offset, after);
    }
    if (after < 0) return this.inMap(this.payload, this.size, path, from);
    const key = this.payload * 4 + from;
    const known = path.found.get(key);
    if (known !== undefined) this.found = known;
    else {
      this.inMap(this.payload, this.size, path, from);
      path.found.set(key, this.found);
    }
    return after;
  }

  /** walkTo over the `n` entries of a map starting at `p`; returns the offset after them. */
  private inMap(p: number, n: number, path: KeyPath, from: number): number {
    const want = path.keys[from];
    let found = -1;
    for (let i = 0; i < n; i++) {
      const k = this.string(p);
      const v = this.next;
      if (k === want) {
        p = this.walkTo(v, path, from + 1);
        found = this.found;
      } else p = this.skip(v);
    }
    this.found = found;
    return p;
  }

  /** walkTo on the first element of the array at `offset` (found = -1 unless a non-empty array); returns the offset after the array. */
  private walkFirst(offset: number, path: KeyPath): number {
    this.header(offset);
    const after = this.next;
    if (this.type !== T_ARRAY || this.size === 0) {
      this.found = -1;
      return this.end(offset, after);
    }
    const n = this.size;
    const first = this.payload;
    if (after >= 0) {
      // a shared array: its first element's value is remembered by the element's offset
      const known = path.firstFound.get(first);
      if (known !== undefined) this.found = known;
      else {
        this.walkTo(first, path, 0);
        path.firstFound.set(first, this.found);
      }
      return after;
    }
    let p = this.walkTo(first, path, 0);
    const found = this.found;
    for (let i = 1; i < n; i++) p = this.skip(p);
    this.found = found;
    return p;
  }

  /** Reads the location map at `offset` into latitude/longitude/accuracy/timeZone (null when missing); returns the offset after it. */
  private location(offset: number): number {
    this.latitude = this.longitude = this.accuracy = null;
    this.timeZone = null;
    this.header(offset);
    const after = this.next;
    if (this.type !== T_MAP) return this.end(offset, after);
    let p = this.payload;
    const n = this.size;
    for (let i = 0; i < n; i++) {
      const k = this.string(p);
      const v = this.next;
      if (k === "latitude") this.latitude = this.number(v);
      else if (k === "longitude") this.longitude = this.number(v);
      else if (k === "accuracy_radius") this.accuracy = this.number(v);
      else if (k === "time_zone") this.timeZone = this.stringAt(v);
      else {
        p = this.skip(v);
        continue;
      }
      p = this.end(v, this.next);
    }
    return after >= 0 ? after : p;
  }

  /** The City columns of the record at `offset` (GeoIP2/GeoLite2 City shape; anything else yields nulls). One pass over the record. */
  city(offset: number): CityFields {
    let city = -1;
    let country = -1;
    let continent = -1;
    let subdivision = -1;
    this.latitude = this.longitude = this.accuracy = null;
    this.timeZone = null;
    this.header(offset);
    if (this.type === T_MAP) {
      let p = this.payload;
      const n = this.size;
      for (let i = 0; i < n; i++) {
        const k = this.string(p);
        const v = this.next;
        if (k === "city") {
          p = this.walkTo(v, this.namesEn, 0);
          city = this.found;
        } else if (k === "country") {
          p = this.walkTo(v, this.isoCode, 0);
          country = this.found;
        } else if (k === "continent") {
          p = this.walkTo(v, this.code, 0);
          continent = this.found;
        } else if (k === "subdivisions") {
          p = this.walkFirst(v, this.subdivisionNamesEn);
          subdivision = this.found;
        } else if (k === "location") p = this.location(v);
        else p = this.skip(v);
      }
    }
    const lat = this.latitude;
    const lon = this.longitude;
    const valid = lat !== null && lon !== null && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
    const acc = this.accuracy;
    return {
      country_code: this.stringAt(country),
      continent_code: this.stringAt(continent),
      city: this.stringAt(city),
      subdivision: this.stringAt(subdivision),
      latitude: valid ? lat : null,
      longitude: valid ? lon : null,
      accuracy_radius_km: acc !== null && Number.isInteger(acc) && acc >= 0 && acc <= 0x7fffffff ? acc : null,
      time_zone: this.timeZone,
    };
  }

  /** The ASN columns of the record at `offset`. */
  asn(offset: number): AsnFields {
    let asn: number | null = null;
    let org: string | null = null;
    this.header(offset);
    if (this.type === T_MAP) {
      let p = this.payload;
      const n = this.size;
      for (let i = 0; i < n; i++) {
        const k = this.string(p);
        const v = this.next;
        if (k === "autonomous_system_number") asn = this.number(v);
        else if (k === "autonomous_system_organization") org = this.stringAt(v);
        else {
          p = this.skip(v);
          continue;
        }
        p = this.end(v, this.next);
      }
    }
    return { asn: asn !== null && Number.isInteger(asn) && asn >= 0 && asn <= 0xffffffff ? asn : null, as_org: org };
  }
}
