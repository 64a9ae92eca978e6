// Reads just the columns geo.parquet needs out of a MaxMind DB record ("MaxMind DB File Format 2.0", Output Data
// Section), skipping everything else without decoding it. A full decode of a City record (names in eight languages,
// geoname ids, postal, registered country…) costs several times more and dominated a million-address run.
// The test suite checks every projected field against the maxmind reader's full decode.
import type { AsnFields, CityFields } from "./locate.ts";

const T_POINTER = 1;
const T_STRING = 2;
const T_DOUBLE = 3;
const T_UINT16 = 5;
const T_UINT32 = 6;
const T_MAP = 7;
const T_INT32 = 8;
const T_UINT64 = 9;
const T_UINT128 = 10;
const T_ARRAY = 11;
const T_BOOLEAN = 14;
const T_FLOAT = 15;

/** A malformed data section (bad type, pointer out of range, a pointer to a pointer). */
export class RecordFormatError extends Error {}

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

  constructor(db: Buffer, dataStart: number, dataEnd: number) {
    this.db = db;
    this.dataStart = dataStart;
    this.dataEnd = dataEnd;
  }

  /** Reads the control byte(s) at `offset`, following one pointer; sets type/size/payload and `next` (after the value at `offset`). */
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
      else if (ss === 1) target = ((vvv << 16) | (db[p]! << 8) | db[p + 1]!) + 2048;
      else if (ss === 2) target = ((vvv << 24) | (db[p]! << 16) | (db[p + 1]! << 8) | db[p + 2]!) + 526336;
      else target = ((db[p]! << 24) | (db[p + 1]! << 16) | (db[p + 2]! << 8) | db[p + 3]!) >>> 0;
      const after = p + ss + 1;
      this.header(this.dataStart + target, true);
      this.next = after;
      return;
    }
    if (type === 0) type = 7 + db[p++]!;
    let size = ctrl & 0x1f;
    if (size === 29) size = 29 + db[p++]!;
    else if (size === 30) {
      size = 285 + ((db[p]! << 8) | db[p + 1]!);
      p += 2;
    } else if (size === 31) {
      size = 65821 + ((db[p]! << 16) | (db[p + 1]! << 8) | db[p + 2]!);
      p += 3;
    }
    this.type = type;
    this.size = size;
    this.payload = p;
    this.next = type === T_MAP || type === T_ARRAY ? -1 : type === T_BOOLEAN ? p : p + size;
  }

  /** Offset just after the value at `offset` (maps and arrays are walked, nothing is decoded). */
  private skip(offset: number): number {
    this.header(offset);
    if (this.next >= 0) return this.next;
    const count = this.type === T_MAP ? this.size * 2 : this.size;
    let p = this.payload;
    for (let i = 0; i < count; i++) p = this.skip(p);
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

  /**
   * Visits the entries of the map at `offset`: `visit(key, valueOffset)` for each; returns false (and visits
   * nothing) if the value is not a map.
   */
  private entries(offset: number, visit: (key: string, valueOffset: number) => void): boolean {
    this.header(offset);
    if (this.type !== T_MAP) return false;
    let p = this.payload;
    const n = this.size;
    for (let i = 0; i < n; i++) {
      const key = this.string(p);
      const valueOffset = this.next;
      p = this.skip(valueOffset);
      if (key !== null) visit(key, valueOffset);
    }
    return true;
  }

  /** The value offset of `key` in the map at `offset`, or -1. */
  private lookup(offset: number, key: string): number {
    let found = -1;
    this.entries(offset, (k, v) => {
      if (k === key) found = v;
    });
    return found;
  }

  /** Follows a path of map keys; -1 when any step is missing or not a map. */
  private path(offset: number, ...keys: string[]): number {
    let at = offset;
    for (const k of keys) {
      if (at < 0) return -1;
      at = this.lookup(at, k);
    }
    return at;
  }

  private stringAt(offset: number): string | null {
    if (offset < 0) return null;
    const s = this.string(offset);
    return s === "" ? null : s;
  }

  private numberAt(offset: number): number | null {
    return offset < 0 ? null : this.number(offset);
  }

  /** First element of the array at `offset`, or -1. */
  private first(offset: number): number {
    if (offset < 0) return -1;
    this.header(offset);
    return this.type === T_ARRAY && this.size > 0 ? this.payload : -1;
  }

  /** The City columns of the record at `offset` (GeoIP2/GeoLite2 City shape; anything else yields nulls). */
  city(offset: number): CityFields {
    let city = -1;
    let country = -1;
    let continent = -1;
    let subdivisions = -1;
    let location = -1;
    this.entries(offset, (k, v) => {
      if (k === "city") city = v;
      else if (k === "country") country = v;
      else if (k === "continent") continent = v;
      else if (k === "subdivisions") subdivisions = v;
      else if (k === "location") location = v;
    });
    let latitude: number | null = null;
    let longitude: number | null = null;
    let accuracy: number | null = null;
    let timeZone: string | null = null;
    if (location >= 0) {
      this.entries(location, (k, v) => {
        if (k === "latitude") latitude = this.number(v);
        else if (k === "longitude") longitude = this.number(v);
        else if (k === "accuracy_radius") accuracy = this.number(v);
        else if (k === "time_zone") timeZone = this.stringAt(v);
      });
    }
    const lat = latitude as number | null;
    const lon = longitude as number | null;
    const valid = lat !== null && lon !== null && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
    const acc = accuracy as number | null;
    return {
      country_code: this.stringAt(this.path(country, "iso_code")),
      continent_code: this.stringAt(this.path(continent, "code")),
      city: this.stringAt(this.path(city, "names", "en")),
      subdivision: this.stringAt(this.path(this.first(subdivisions), "names", "en")),
      latitude: valid ? lat : null,
      longitude: valid ? lon : null,
      accuracy_radius_km: acc !== null && Number.isInteger(acc) && acc >= 0 && acc <= 0x7fffffff ? acc : null,
      time_zone: timeZone,
    };
  }

  /** The ASN columns of the record at `offset`. */
  asn(offset: number): AsnFields {
    let asn: number | null = null;
    let org: string | null = null;
    this.entries(offset, (k, v) => {
      if (k === "autonomous_system_number") asn = this.number(v);
      else if (k === "autonomous_system_organization") org = this.stringAt(v);
    });
    const n = asn as number | null;
    return { asn: n !== null && Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : null, as_org: org };
  }
}
