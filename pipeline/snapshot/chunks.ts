// Batches → DuckDB data chunks → appender: whole typed arrays are copied into each vector, strings in one pass.
//
// Fixed-width columns and validity bitmaps are copied with one call per vector. VARCHAR vectors hold 16-byte
// duckdb_string_t slots (C API layout: u32 length, then either ≤ 12 inline bytes, or a 4-byte prefix and a
// pointer). Strings of ≤ 12 bytes are written inline; longer ones are laid out back to back in one UTF-8 blob
// that DuckDB copies into the vector's own string heap with a single call, and their slots point into it. That
// turns millions of per-string native calls into one per column per chunk. On a big-endian host, or with
// FLUXTURE_SNAPSHOT_SAFE_STRINGS=1, every string is assigned with its own call instead (same result, slower).
import { endianness } from "node:os";
import bindings from "@duckdb/node-bindings";
import { DuckDBDataChunk, type DuckDBAppender, type DuckDBType } from "@duckdb/node-api";
import { Kind } from "./columns.ts";
import type { Batch, ColumnStore } from "./buffer.ts";
import { CHUNK_ROWS } from "./buffer.ts";

const SLOT = 16;
const INLINE_MAX = 12;
const ASCII = /^[\x00-\x7f]*$/;
const encoder = new TextEncoder();
const FAST_STRINGS = endianness() === "LE" && process.env.FLUXTURE_SNAPSHOT_SAFE_STRINGS !== "1";

/** Reusable scratch memory for encoding one VARCHAR column of one chunk. */
class StringScratch {
  slots = new Uint8Array(CHUNK_ROWS * SLOT);
  slotWords = new Uint32Array(this.slots.buffer);
  heap = new Uint8Array(CHUNK_ROWS * 32);
  starts = new Int32Array(CHUNK_ROWS);
  lengths = new Int32Array(CHUNK_ROWS);
  int64 = new Uint32Array(CHUNK_ROWS * 2);
  pending = new Int32Array(CHUNK_ROWS);

  ensureHeap(size: number): void {
    if (size <= this.heap.length) return;
    const bigger = new Uint8Array(Math.max(size, this.heap.length * 2));
    bigger.set(this.heap);
    this.heap = bigger;
  }
}

/** UTF-8-encodes `s` into scratch.heap at `pos` (lone surrogates become U+FFFD, as TextEncoder does); returns the new end. */
function encodeUtf8(s: string, scratch: StringScratch, pos: number): number {
  scratch.ensureHeap(pos + s.length * 3);
  const heap = scratch.heap;
  const n = s.length;
  for (let j = 0; j < n; j++) {
    let c = s.charCodeAt(j);
    if (c < 0x80) {
      heap[pos++] = c;
    } else if (c < 0x800) {
      heap[pos++] = 0xc0 | (c >> 6);
      heap[pos++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = j + 1 < n ? s.charCodeAt(j + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        j++;
        heap[pos++] = 0xf0 | (c >> 18);
        heap[pos++] = 0x80 | ((c >> 12) & 63);
        heap[pos++] = 0x80 | ((c >> 6) & 63);
        heap[pos++] = 0x80 | (c & 63);
      } else {
        heap[pos++] = 0xef;
        heap[pos++] = 0xbf;
        heap[pos++] = 0xbd;
      }
    } else {
      heap[pos++] = 0xe0 | (c >> 12);
      heap[pos++] = 0x80 | ((c >> 6) & 63);
      heap[pos++] = 0x80 | (c & 63);
    }
  }
  return pos;
}

/** Fills a VARCHAR vector from a column store with at most one blob assignment plus one slot copy. */
function writeStringsFast(vector: bindings.Vector, store: ColumnStore, rows: number, scratch: StringScratch): void {
  const strings = store.strings!;
  const validity = store.validity;
  const { slots, slotWords, starts, lengths, pending } = scratch;
  slots.fill(0, 0, rows * SLOT);
  // pass 1: short ASCII strings go straight into their slot; the rest wait for UTF-8 encoding
  let waiting = 0;
  for (let i = 0; i < rows; i++) {
    if (validity !== null && (validity[i >>> 5]! & (1 << (i & 31))) === 0) continue;
    const s = strings[i]!;
    const len = s.length;
    if (len <= INLINE_MAX) {
      const at = i * SLOT + 4;
      let k = 0;
      for (; k < len; k++) {
        const c = s.charCodeAt(k);
        if (c >= 0x80) break;
        slots[at + k] = c;
      }
      if (k === len) {
        slotWords[(i * SLOT) >>> 2] = len;
        continue;
      }
      slots.fill(0, at, at + INLINE_MAX);
    }
    pending[waiting++] = i;
  }
  if (waiting > 0) {
    // pass 2: encode the rest back to back into one heap
    let pos = 0;
    const texts: string[] = new Array<string>(waiting);
    for (let w = 0; w < waiting; w++) texts[w] = strings[pending[w]!]!;
    const all = texts.join("");
    if (ASCII.test(all)) {
      scratch.ensureHeap(all.length);
      pos = encoder.encodeInto(all, scratch.heap).written;
      let at = 0;
      for (let w = 0; w < waiting; w++) {
        const i = pending[w]!;
        starts[i] = at;
        lengths[i] = texts[w]!.length;
        at += texts[w]!.length;
      }
    } else {
      for (let w = 0; w < waiting; w++) {
        const i = pending[w]!;
        const start = pos;
        pos = encodeUtf8(texts[w]!, scratch, pos);
        starts[i] = start;
        lengths[i] = pos - start;
      }
    }
    const heap = scratch.heap;
    let baseLo = 0;
    let baseHi = 0;
    if (pos > INLINE_MAX) {
      // one string holding every encoded value: DuckDB copies it into the vector's heap; read back its pointer
      bindings.vector_assign_string_element_len(vector, 0, heap.subarray(0, pos));
      const slot0 = bindings.vector_get_data(vector, SLOT);
      const w = new Uint32Array(slot0.buffer, slot0.byteOffset, 4);
      baseLo = w[2]!;
      baseHi = w[3]!;
    }
    for (let w = 0; w < waiting; w++) {
      const i = pending[w]!;
      const len = lengths[i]!;
      const start = starts[i]!;
      const at = i * SLOT;
      slotWords[at >>> 2] = len;
      if (len <= INLINE_MAX) {
        for (let k = 0; k < len; k++) slots[at + 4 + k] = heap[start + k]!;
      } else {
        slots[at + 4] = heap[start]!;
        slots[at + 5] = heap[start + 1]!;
        slots[at + 6] = heap[start + 2]!;
        slots[at + 7] = heap[start + 3]!;
        const lo = baseLo + start;
        slotWords[(at >>> 2) + 2] = lo >>> 0;
        slotWords[(at >>> 2) + 3] = (baseHi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
      }
    }
  }
  bindings.copy_data_to_vector(vector, 0, slots.buffer, 0, rows * SLOT);
}

/**
 * Epoch milliseconds (integral doubles, a Date's range) → little-endian int64 epoch microseconds, computed
 * exactly in 32-bit halves so no BigInt is allocated per value.
 */
export function msToMicros(ms: Float64Array, rows: number, out: Uint32Array): Uint32Array {
  const TWO32 = 4294967296;
  for (let i = 0; i < rows; i++) {
    const v = ms[i]!;
    const hiMs = Math.floor(v / TWO32);
    const loUs = (v - hiMs * TWO32) * 1000; // < 2^42: exact
    const carry = Math.floor(loUs / TWO32);
    out[2 * i] = loUs - carry * TWO32;
    out[2 * i + 1] = (hiMs * 1000 + carry) | 0;
  }
  return out;
}

/** Fills a VARCHAR vector one string per native call (big-endian hosts, or when asked). */
function writeStringsSafe(vector: bindings.Vector, store: ColumnStore, rows: number): void {
  const strings = store.strings!;
  const validity = store.validity;
  for (let i = 0; i < rows; i++) {
    if (validity !== null && (validity[i >>> 5]! & (1 << (i & 31))) === 0) continue;
    bindings.vector_assign_string_element(vector, i, strings[i]!);
  }
}

const BYTES: Record<Kind, number> = {
  [Kind.Varchar]: SLOT,
  [Kind.I32]: 4,
  [Kind.U32]: 4,
  [Kind.U16]: 2,
  [Kind.I64]: 8,
  [Kind.U64]: 8,
  [Kind.F64]: 8,
  [Kind.Bool]: 1,
  [Kind.TsMs]: 8,
};

/** Appends batches to `appender` as data chunks of the staging `types`; returns the rows appended. */
export function appendBatches(appender: DuckDBAppender, types: readonly DuckDBType[], batches: readonly Batch[]): number {
  if (batches.length === 0) return 0;
  const chunk = DuckDBDataChunk.create(types);
  const raw = chunk.chunk;
  const scratch = new StringScratch();
  let total = 0;
  for (const batch of batches) {
    const rows = batch.rows;
    if (rows === 0) continue;
    bindings.data_chunk_reset(raw);
    bindings.data_chunk_set_size(raw, rows);
    for (let c = 0; c < batch.cols.length; c++) {
      const store = batch.cols[c]!;
      const vector = bindings.data_chunk_get_vector(raw, c);
      if (store.kind === Kind.Varchar) {
        if (FAST_STRINGS) writeStringsFast(vector, store, rows, scratch);
        else writeStringsSafe(vector, store, rows);
      } else if (store.kind === Kind.TsMs) {
        const micros = msToMicros(store.data as Float64Array, rows, scratch.int64);
        bindings.copy_data_to_vector(vector, 0, micros.buffer as ArrayBuffer, 0, rows * 8);
      } else {
        const data = store.data!;
        bindings.copy_data_to_vector(vector, 0, data.buffer as ArrayBuffer, data.byteOffset, rows * BYTES[store.kind]);
      }
      if (store.validity !== null) {
        bindings.vector_ensure_validity_writable(vector);
        bindings.copy_data_to_vector_validity(vector, 0, store.validity.buffer as ArrayBuffer, 0, Math.ceil(rows / 64) * 8);
      }
    }
    appender.appendDataChunk(chunk);
    total += rows;
  }
  bindings.data_chunk_reset(raw);
  return total;
}
