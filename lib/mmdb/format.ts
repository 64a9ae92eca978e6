// Wire primitives of the MaxMind DB data section (spec "Output Data Section"): type numbers, control
// bytes with their three long-size forms, and the four pointer encodings.
import { MmdbWriteError } from "./values.ts";

/** Type numbers of the spec (1-7 fit in the control byte; 8-15 are "extended" types). */
export const MMDB_TYPE = {
  pointer: 1,
  utf8_string: 2,
  double: 3,
  bytes: 4,
  uint16: 5,
  uint32: 6,
  map: 7,
  int32: 8,
  uint64: 9,
  uint128: 10,
  array: 11,
  boolean: 14,
  float: 15,
} as const;

const MAX_PAYLOAD_SIZE = 65821 + 0xffffff; // the largest size the 3-byte size form reaches
/** Deepest nesting of maps/arrays we write (libmaxminddb refuses deeper data). */
export const MAX_DEPTH = 512;
const MAX_POINTER = 0xffffffff;

/** Bytes a pointer to `offset` takes (2, 3, 4 or 5). */
export function pointerSize(offset: number): number {
  if (offset < 2048) return 2;
  if (offset < 526336) return 3;
  if (offset < 134744064) return 4;
  return 5;
}

/** Control byte (type in the top 3 bits, or 0 + an extended-type byte), then the 0-3 size bytes. */
export function controlBytes(type: number, size: number): number[] {
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAYLOAD_SIZE) {
    throw new MmdbWriteError("too_large", `value of ${size} bytes/entries exceeds the format's ${MAX_PAYLOAD_SIZE}`);
  }
  const head = type <= 7 ? type << 5 : 0;
  const ext = type <= 7 ? [] : [type - 7];
  if (size < 29) return [head | size, ...ext];
  if (size < 285) return [head | 29, ...ext, size - 29];
  if (size < 65821) {
    const s = size - 285;
    return [head | 30, ...ext, s >> 8, s & 0xff];
  }
  const s = size - 65821;
  return [head | 31, ...ext, (s >> 16) & 0xff, (s >> 8) & 0xff, s & 0xff];
}

/** Pointer `001SSVVV` + 1-4 bytes: 11-bit, 19-bit (+2048), 27-bit (+526336) or 32-bit data-section offsets. */
export function pointerBytes(offset: number): number[] {
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_POINTER) {
    throw new MmdbWriteError("too_large", `pointer offset ${offset} exceeds 32 bits`);
  }
  if (offset < 2048) return [0x20 | (offset >> 8), offset & 0xff];
  if (offset < 526336) {
    const v = offset - 2048;
    return [0x28 | (v >> 16), (v >> 8) & 0xff, v & 0xff];
  }
  if (offset < 134744064) {
    const v = offset - 526336;
    return [0x30 | (v >> 24), (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
  }
  return [0x38, (offset >>> 24) & 0xff, (offset >> 16) & 0xff, (offset >> 8) & 0xff, offset & 0xff];
}
