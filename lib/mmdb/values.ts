// Values a MaxMind DB data section can hold, and explicit type wrappers for the numeric types a plain
// JavaScript number cannot name (MaxMind's City records mix uint16, uint32 and double fields).
import { FluxtureError } from "../errors.ts";

/** Why a database could not be written: a closed set, so callers and tests can branch on it. */
export type MmdbWriteErrorCode = "bad_network" | "aliased_network" | "bad_value" | "bad_option" | "too_large";

/** A database could not be written from the given input (bad network, unencodable value, size limit). */
export class MmdbWriteError extends FluxtureError {
  /** Which of the closed set of failures this is. */
  readonly code: MmdbWriteErrorCode;
  constructor(code: MmdbWriteErrorCode, message: string) {
    super(`mmdb: ${message}`);
    this.code = code;
  }
}

/** The MMDB data types a value can be forced to; plain values pick one by the defaults in `MmdbValue`. */
export type MmdbScalarType = "uint16" | "uint32" | "int32" | "uint64" | "uint128" | "double" | "float" | "bytes";

/** A scalar with an explicit MMDB type, made by `uint16()`, `double()` … (validated on construction). */
export class MmdbTyped {
  /** The MMDB type this scalar is written as. */
  readonly type: MmdbScalarType;
  /** The value: number for 16/32-bit ints and floats, bigint for 64/128-bit, bytes for `bytes`. */
  readonly value: number | bigint | Uint8Array;
  constructor(type: MmdbScalarType, value: number | bigint | Uint8Array) {
    this.type = type;
    this.value = value;
  }
}

/**
 * A value in a MaxMind DB record. Defaults for plain values: string → utf8_string, boolean → boolean,
 * integer number in [0, 2^32) → uint32, negative integer ≥ -2^31 → int32, other safe non-negative integer
 * → uint64, any other number → double, bigint < 2^64 → uint64 else uint128, Uint8Array → bytes,
 * array → array, plain object → map (keys written sorted). There is no null: leave the key out.
 */
export type MmdbValue = string | number | boolean | bigint | Uint8Array | MmdbTyped | readonly MmdbValue[] | MmdbMap;

/** A map of string keys to values (a JSON-like object). */
export interface MmdbMap {
  readonly [key: string]: MmdbValue;
}

function checkInt(type: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MmdbWriteError("bad_value", `${type} out of range: ${value}`);
  }
  return value;
}

function checkBig(type: string, value: number | bigint, bits: bigint): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new MmdbWriteError("bad_value", `${type} needs an integer (use a bigint above 2^53): ${value}`);
  }
  const big = BigInt(value);
  if (big < 0n || big >= 1n << bits) throw new MmdbWriteError("bad_value", `${type} out of range: ${big}`);
  return big;
}

/** An unsigned 16-bit integer (e.g. `location.accuracy_radius`, `location.metro_code`). */
export function uint16(value: number): MmdbTyped {
  return new MmdbTyped("uint16", checkInt("uint16", value, 0, 0xffff));
}

/** An unsigned 32-bit integer (e.g. `geoname_id`, `autonomous_system_number`). */
export function uint32(value: number): MmdbTyped {
  return new MmdbTyped("uint32", checkInt("uint32", value, 0, 0xffffffff));
}

/** A signed 32-bit integer. */
export function int32(value: number): MmdbTyped {
  return new MmdbTyped("int32", checkInt("int32", value, -0x80000000, 0x7fffffff));
}

/** An unsigned 64-bit integer (read back as a bigint by the `maxmind` reader). */
export function uint64(value: number | bigint): MmdbTyped {
  return new MmdbTyped("uint64", checkBig("uint64", value, 64n));
}

/** An unsigned 128-bit integer (read back as a bigint by the `maxmind` reader). */
export function uint128(value: number | bigint): MmdbTyped {
  return new MmdbTyped("uint128", checkBig("uint128", value, 128n));
}

/** An IEEE-754 double, even when the number happens to be whole (latitudes like 52). */
export function double(value: number): MmdbTyped {
  if (typeof value !== "number") throw new MmdbWriteError("bad_value", `double needs a number: ${String(value)}`);
  return new MmdbTyped("double", value);
}

/** An IEEE-754 single-precision float. */
export function float(value: number): MmdbTyped {
  if (typeof value !== "number") throw new MmdbWriteError("bad_value", `float needs a number: ${String(value)}`);
  return new MmdbTyped("float", value);
}

/** Raw bytes. */
export function bytes(value: Uint8Array): MmdbTyped {
  return new MmdbTyped("bytes", value);
}
