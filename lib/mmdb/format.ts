// The MaxMind DB format's constants, in one place for the writer (lib/mmdb, tools/simnet) and the reader
// (stages/geolocate): type numbers, control bytes with their three long-size forms, the four pointer encodings,
// the data-section separator and the nesting limit (spec "MaxMind DB File Format 2.0").
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

/** Bytes of zeros between the search tree and the data section (data offsets count from after them). */
export const DATA_SECTION_SEPARATOR = 16;

/** Sizes 0-28 sit in the control byte; 29, 30, 31 mean 1, 2 or 3 more size bytes, added to these bases. */
export const SIZE_BASE_1 = 29;
/** Base of the 2-byte size form (control size 30). */
export const SIZE_BASE_2 = 285;
/** Base of the 3-byte size form (control size 31). */
export const SIZE_BASE_3 = 65821;

/** Pointer forms (`001SSVVV`): SS = 0 is 11 bits; 1 is 19 bits + POINTER_BASE_1; 2 is 27 bits + POINTER_BASE_2; 3 is 32 bits. */
export const POINTER_BASE_1 = 2048;
/** Base of the 27-bit pointer form (SS = 2). */
export const POINTER_BASE_2 = 526336;
/** First offset that needs the 32-bit pointer form (SS = 3). */
const POINTER_BASE_3 = 134744064;

const MAX_PAYLOAD_SIZE = SIZE_BASE_3 + 0xffffff; // the largest size the 3-byte size form reaches
/** Deepest map/array nesting (libmaxminddb MAXIMUM_DATA_STRUCTURE_DEPTH): the writer never goes deeper, the reader refuses deeper. */
export const MAX_DEPTH = 512;
const MAX_POINTER = 0xffffffff;

/** Bytes a pointer to `offset` takes (2, 3, 4 or 5). */
export function pointerSize(offset: number): number {
  if (offset < POINTER_BASE_1) return 2;
  if (offset < POINTER_BASE_2) return 3;
  if (offset < POINTER_BASE_3) return 4;
  return 5;
}

/** Control byte (type in the top 3 bits, or 0 + an extended-type byte), then the 0-3 size bytes. */
export function controlBytes(type: number, size: number): number[] {
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAYLOAD_SIZE) {
    throw new MmdbWriteError("too_large", `value of ${size} bytes/entries exceeds the format's ${MAX_PAYLOAD_SIZE}`);
  }
  const head = type <= 7 ? type << 5 : 0;
  const ext = type <= 7 ? [] : [type - 7];
  if (size < SIZE_BASE_1) return [head | size, ...ext];
  if (size < SIZE_BASE_2) return [head | 29, ...ext, size - SIZE_BASE_1];
  if (size < SIZE_BASE_3) {
    const s = size - SIZE_BASE_2;
    return [head | 30, ...ext, s >> 8, s & 0xff];
  }
  const s = size - SIZE_BASE_3;
  return [head | 31, ...ext, (s >> 16) & 0xff, (s >> 8) & 0xff, s & 0xff];
}

/** Pointer `001SSVVV` + 1-4 bytes: 11-bit, 19-bit (+2048), 27-bit (+526336) or 32-bit data-section offsets. */
export function pointerBytes(offset: number): number[] {
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_POINTER) {
    throw new MmdbWriteError("too_large", `pointer offset ${offset} exceeds 32 bits`);
  }
  if (offset < POINTER_BASE_1) return [0x20 | (offset >> 8), offset & 0xff];
  if (offset < POINTER_BASE_2) {
    const v = offset - POINTER_BASE_1;
    return [0x28 | (v >> 16), (v >> 8) & 0xff, v & 0xff];
  }
  if (offset < POINTER_BASE_3) {
    const v = offset - POINTER_BASE_2;
    return [0x30 | (v >> 24), (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
  }
  return [0x38, (offset >>> 24) & 0xff, (offset >> 16) & 0xff, (offset >> 8) & 0xff, offset & 0xff];
}
