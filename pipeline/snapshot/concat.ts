// Joins Parquet part files into one file by copying their row groups byte for byte and writing one footer,
// so sealing large parts costs a file copy instead of decoding and re-encoding every value.
//
// A Parquet file is "PAR1", column-chunk data, a Thrift FileMetaData footer, its u32 length and "PAR1". Each
// part's data region is copied after the previous one; every absolute offset in its row groups (column-chunk,
// data/dictionary/index page, bloom filter, column/offset index offsets) is shifted by where the region landed.
// Used only when every part has the same schema and ZSTD codec (the published files' format).
import { open, type FileHandle } from "node:fs/promises";
import { decodeStruct, encodeStruct, field, T, type TField, type TValue } from "./thrift.ts";

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"
const ZSTD_CODEC = 6n;

type Struct = TValue & { type: 12 };

/** A part's footer, decoded, with where its data region ends. */
export interface PartFooter {
  path: string;
  meta: Struct;
  dataEnd: number;
  numRows: number;
}

function isMagic(b: Uint8Array, at: number): boolean {
  return b[at] === 0x50 && b[at + 1] === 0x41 && b[at + 2] === 0x52 && b[at + 3] === 0x31;
}

/** Reads and decodes the footer of a Parquet file. Throws on anything that is not a plain Parquet file. */
export async function readFooter(path: string): Promise<PartFooter> {
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    if (size < 12) throw new Error(`${path}: too small for Parquet`);
    const tail = Buffer.alloc(8);
    await handle.read(tail, 0, 8, size - 8);
    if (!isMagic(tail, 4)) throw new Error(`${path}: no Parquet magic at the end`);
    const len = tail.readUInt32LE(0);
    const dataEnd = size - 8 - len;
    if (dataEnd < 4) throw new Error(`${path}: footer length out of range`);
    const footer = Buffer.alloc(len);
    await handle.read(footer, 0, len, dataEnd);
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (!isMagic(head, 0)) throw new Error(`${path}: no Parquet magic at the start`);
    const meta = decodeStruct(footer).value;
    const numRows = field(meta, 3);
    if (numRows?.type !== T.I64) throw new Error(`${path}: footer without num_rows`);
    return { path, meta, dataEnd, numRows: Number(numRows.value) };
  } finally {
    await handle.close();
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Leaf column names of a footer's schema (flat schemas only: the root, then one element per column). */
export function columnNames(footer: PartFooter): string[] | null {
  const schema = field(footer.meta, 2);
  if (schema?.type !== T.LIST) return null;
  const names: string[] = [];
  for (const el of schema.items.slice(1)) {
    const name = field(el, 4);
    if (name?.type !== T.BINARY || field(el, 5) !== undefined) return null; // nested: not ours
    names.push(Buffer.from(name.value).toString("utf8"));
  }
  return names;
}

/**
 * Whether the parts can be joined by concatenation: the same schema (with exactly the columns `expected`,
 * when given), ZSTD everywhere, nothing encrypted.
 */
export function concatenable(footers: readonly PartFooter[], expected?: readonly string[]): boolean {
  if (footers.length === 0) return false;
  if (expected !== undefined && columnNames(footers[0]!)?.join("\u0000") !== expected.join("\u0000")) return false;
  const schemaOf = (f: PartFooter) => encodeStruct({ type: T.STRUCT, fields: [{ id: 2, value: field(f.meta, 2)! }] });
  const schema0 = schemaOf(footers[0]!);
  for (const f of footers) {
    if (field(f.meta, 2) === undefined || !bytesEqual(schemaOf(f), schema0)) return false;
    if (field(f.meta, 8) !== undefined) return false; // encrypted
    const groups = field(f.meta, 4);
    if (groups?.type !== T.LIST) return false;
    for (const rg of groups.items) {
      const cols = field(rg, 1);
      if (cols?.type !== T.LIST) return false;
      for (const cc of cols.items) {
        if (field(cc, 1) !== undefined) return false; // column data in another file
        const codec = field(field(cc, 3), 4);
        if (codec?.type !== T.I32 || codec.value !== ZSTD_CODEC) return false;
      }
    }
  }
  return true;
}

/** Adds `shift` to the i64 field `id` of a struct, when present and non-zero (zero means "not set"). */
function shiftField(struct: TValue | undefined, id: number, shift: bigint): void {
  if (struct?.type !== T.STRUCT) return;
  const f = struct.fields.find((x) => x.id === id);
  if (f && f.value.type === T.I64 && f.value.value > 0n) f.value = { type: T.I64, value: f.value.value + shift };
}

function setI(struct: Struct, id: number, type: 4 | 5 | 6, value: bigint): void {
  const f = struct.fields.find((x) => x.id === id);
  if (f) f.value = { type, value };
  else {
    struct.fields.push({ id, value: { type, value } });
    struct.fields.sort((a, b) => a.id - b.id);
  }
}

async function copyRange(src: FileHandle, from: number, to: number, dst: FileHandle, at: number, buf: Buffer): Promise<void> {
  let pos = from;
  let out = at;
  while (pos < to) {
    const want = Math.min(buf.length, to - pos);
    const { bytesRead } = await src.read(buf, 0, want, pos);
    if (bytesRead === 0) throw new Error("unexpected end of part file");
    await dst.write(buf, 0, bytesRead, out);
    pos += bytesRead;
    out += bytesRead;
  }
}

/** Writes the concatenation of `footers`' files to `target` (a temp path: the caller publishes it); returns the row count. */
export async function concatParquet(footers: readonly PartFooter[], target: string): Promise<number> {
  const out = await open(target, "wx", 0o644);
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  try {
    await out.write(MAGIC, 0, 4, 0);
    let at = 4;
    const rowGroups: TValue[] = [];
    let totalRows = 0n;
    for (const f of footers) {
      const src = await open(f.path, "r");
      try {
        await copyRange(src, 4, f.dataEnd, out, at, buf);
      } finally {
        await src.close();
      }
      const shift = BigInt(at - 4);
      const groups = field(f.meta, 4);
      if (groups?.type === T.LIST) {
        for (const rg of groups.items) {
          shiftField(rg, 5, shift);
          const cols = field(rg, 1);
          if (cols?.type === T.LIST) {
            for (const cc of cols.items) {
              shiftField(cc, 2, shift); // file_offset
              shiftField(cc, 4, shift); // offset_index_offset
              shiftField(cc, 6, shift); // column_index_offset
              const md = field(cc, 3);
              for (const id of [9, 10, 11, 14]) shiftField(md, id, shift); // data, index, dictionary page; bloom filter
            }
          }
          setI(rg as Struct, 7, T.I16, BigInt(rowGroups.length)); // ordinal
          rowGroups.push(rg);
        }
      }
      totalRows += BigInt(f.numRows);
      at += f.dataEnd - 4;
    }
    const first = footers[0]!.meta;
    const fields: TField[] = first.fields.map((f) => {
      if (f.id === 3) return { id: 3, value: { type: T.I64, value: totalRows } };
      if (f.id === 4) return { id: 4, value: { type: T.LIST, elemType: T.STRUCT, items: rowGroups } };
      return f;
    });
    const footer = encodeStruct({ type: T.STRUCT, fields });
    const len = Buffer.alloc(4);
    len.writeUInt32LE(footer.length, 0);
    await out.write(footer, 0, footer.length, at);
    await out.write(len, 0, 4, at + footer.length);
    await out.write(MAGIC, 0, 4, at + footer.length + 4);
    await out.sync();
    return Number(totalRows);
  } finally {
    await out.close();
  }
}
