// Rows buffered column by column in typed arrays, one batch per DuckDB data chunk, validated as they arrive.
import { RowValueError } from "../schema/types.ts";
import { Kind, type CompiledSchema } from "./columns.ts";

/** Rows per batch: DuckDB's vector size, the most one data chunk holds. */
export const CHUNK_ROWS = 2048;

/** Most batches kept for reuse (≈ 100,000 rows' worth of buffers). */
const POOL_LIMIT = 50;

/** One column of a batch: fixed-width values in a typed array, or strings; a validity bitmap once a null appears. */
export interface ColumnStore {
  readonly kind: Kind;
  readonly data: Int32Array | Uint32Array | Uint16Array | Float64Array | BigInt64Array | BigUint64Array | Uint8Array | null;
  readonly strings: (string | null)[] | null;
  /** DuckDB validity layout (bit i of 64-bit word i/64 set = valid), as 32-bit little-endian words; null = all valid. */
  validity: Uint32Array | null;
}

/** Up to CHUNK_ROWS rows in column stores: exactly what one data chunk will receive. */
export interface Batch {
  rows: number;
  readonly cols: ColumnStore[];
}

function newStore(kind: Kind): ColumnStore {
  switch (kind) {
    case Kind.Varchar:
      return { kind, data: null, strings: new Array<string | null>(CHUNK_ROWS), validity: null };
    case Kind.I32:
      return { kind, data: new Int32Array(CHUNK_ROWS), strings: null, validity: null };
    case Kind.U32:
      return { kind, data: new Uint32Array(CHUNK_ROWS), strings: null, validity: null };
    case Kind.U16:
      return { kind, data: new Uint16Array(CHUNK_ROWS), strings: null, validity: null };
    case Kind.I64:
      return { kind, data: new BigInt64Array(CHUNK_ROWS), strings: null, validity: null };
    case Kind.U64:
      return { kind, data: new BigUint64Array(CHUNK_ROWS), strings: null, validity: null };
    case Kind.F64:
    case Kind.TsMs:
      return { kind, data: new Float64Array(CHUNK_ROWS), strings: null, validity: null };
    case Kind.Bool:
      return { kind, data: new Uint8Array(CHUNK_ROWS), strings: null, validity: null };
  }
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? "invalid" : v.toISOString()})`;
  return typeof v === "object" ? Object.prototype.toString.call(v) : String(v);
}

const EXPECTED: Record<Kind, string> = {
  [Kind.Varchar]: "a string",
  [Kind.I32]: "an integer in [-2147483648, 2147483647]",
  [Kind.U32]: "an integer in [0, 4294967295]",
  [Kind.U16]: "an integer in [0, 65535]",
  [Kind.I64]: "a 64-bit signed bigint",
  [Kind.U64]: "a 64-bit unsigned bigint",
  [Kind.F64]: "a number",
  [Kind.Bool]: "a boolean",
  [Kind.TsMs]: "a valid Date",
};

/** A column-major buffer of validated rows for one dataset, as a list of chunk-sized batches. */
export class ColumnBuffer {
  readonly compiled: CompiledSchema;
  private readonly names: readonly string[];
  private readonly kinds: readonly Kind[];
  private readonly nullable: readonly boolean[];
  private batches: Batch[] = [];
  private current: Batch;
  private total = 0;
  private readonly pool: Batch[] = [];
  private readonly store: StoreFn;

  constructor(compiled: CompiledSchema) {
    this.compiled = compiled;
    this.names = compiled.columns.map((c) => c.spec.name);
    this.kinds = compiled.columns.map((c) => c.kind);
    this.nullable = compiled.columns.map((c) => c.spec.nullable);
    this.current = this.newBatch();
    this.store = compileStore(compiled);
  }

  /** Rows currently buffered. */
  get length(): number {
    return this.total;
  }

  private newBatch(): Batch {
    const batch: Batch = this.pool.pop() ?? { rows: 0, cols: this.kinds.map(newStore) };
    this.batches.push(batch);
    return batch;
  }

  /**
   * Returns batches whose rows DuckDB has copied, for reuse: a long crawl then allocates no new buffers
   * (fewer garbage collections over a large heap). The pool keeps at most `POOL_LIMIT` batches.
   */
  recycle(batches: readonly Batch[]): void {
    for (const batch of batches) {
      if (this.pool.length >= POOL_LIMIT) return;
      batch.rows = 0;
      for (const store of batch.cols) store.validity?.fill(0xffffffff);
      this.pool.push(batch);
    }
  }

  /** Validates and buffers one row; on a bad value the row is not kept and RowValueError names the column. */
  push(row: object): void {
    let batch = this.current;
    if (batch.rows === CHUNK_ROWS) batch = this.current = this.newBatch();
    const i = batch.rows;
    const bad = this.store(row, batch.cols, i);
    if (bad >= 0) this.fail(batch, i, bad, (row as Record<string, unknown>)[this.names[bad]!]);
    batch.rows = i + 1;
    this.total++;
  }

  /** Undoes the partial row `i` (its null bits) and throws RowValueError for column `c` holding `v`. */
  private fail(batch: Batch, i: number, c: number, v: unknown): never {
    for (let k = 0; k < c; k++) {
      const validity = batch.cols[k]!.validity;
      if (validity) validity[i >>> 5]! |= 1 << (i & 31);
      const strings = batch.cols[k]!.strings;
      if (strings) strings[i] = null;
    }
    const spec = this.compiled.columns[c]!.spec;
    const problem = v === null || v === undefined ? "null in NOT NULL column" : `expected ${EXPECTED[this.kinds[c]!]}, got ${show(v)}`;
    throw new RowValueError(this.compiled.schema.name, spec.name, `${problem} (${spec.type})`);
  }

  /** Takes every buffered batch out (the buffer is empty afterwards). */
  take(): Batch[] {
    const out = this.batches.filter((b) => b.rows > 0);
    this.batches = [];
    this.total = 0;
    this.current = this.newBatch();
    return out;
  }
}

/** Writes row `row` at index `i` of the batch columns; returns -1, or the index of the first column that does not fit. */
type StoreFn = (row: object, cols: ColumnStore[], i: number) => number;

const U64_MAX_TEXT = U64_MAX.toString();
const I64_MIN_TEXT = I64_MIN.toString();
const I64_MAX_TEXT = I64_MAX.toString();

/** Type test and store statement for one column kind, as JS source (`v` is the value, `d` the column's data). */
function storeSource(kind: Kind, c: number): string {
  const data = `cols[${c}].data`;
  switch (kind) {
    case Kind.Varchar:
      return `if (typeof v === "string") cols[${c}].strings[i] = v; else return ${c};`;
    case Kind.I32:
      return `if (typeof v === "number" && (v | 0) === v) ${data}[i] = v; else return ${c};`;
    case Kind.U32:
      return `if (typeof v === "number" && v >>> 0 === v) ${data}[i] = v; else return ${c};`;
    case Kind.U16:
      return `if (typeof v === "number" && (v & 0xffff) === v) ${data}[i] = v; else return ${c};`;
    case Kind.I64:
      return (
        `if (typeof v === "bigint" && v >= ${I64_MIN_TEXT}n && v <= ${I64_MAX_TEXT}n) ${data}[i] = v; ` +
        `else if (typeof v === "number" && Number.isSafeInteger(v)) ${data}[i] = BigInt(v); else return ${c};`
      );
    case Kind.U64:
      return (
        `if (typeof v === "bigint" && v >= 0n && v <= ${U64_MAX_TEXT}n) ${data}[i] = v; ` +
        `else if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) ${data}[i] = BigInt(v); else return ${c};`
      );
    case Kind.F64:
      return `if (typeof v === "number") ${data}[i] = v; else return ${c};`;
    case Kind.Bool:
      return `if (v === true) ${data}[i] = 1; else if (v === false) ${data}[i] = 0; else return ${c};`;
    case Kind.TsMs:
      return `if (v instanceof Date && v.getTime() === v.getTime()) ${data}[i] = v.getTime(); else return ${c};`;
  }
}

/**
 * Generates the per-row store function of a schema: one named property read per column (monomorphic, unlike
 * `row[name]` in a loop), the type test, and the write into the typed array. Column names are checked
 * identifiers (defineDataset allows only [a-z][a-z0-9_]*), so the generated source cannot be injected into.
 */
function compileStore(compiled: CompiledSchema): StoreFn {
  const lines: string[] = ["let v, w;"];
  compiled.columns.forEach((col, c) => {
    if (!/^[a-z][a-z0-9_]*$/.test(col.spec.name)) throw new Error(`bad column name ${col.spec.name}`);
    lines.push(`v = row.${col.spec.name};`);
    const nullCase = col.spec.nullable
      ? `w = cols[${c}].validity; if (w === null) w = cols[${c}].validity = newValidity(); w[i >>> 5] &= ~(1 << (i & 31));`
      : `return ${c};`;
    lines.push(`if (v === null || v === undefined) { ${nullCase} } else { ${storeSource(col.kind, c)} }`);
  });
  lines.push("return -1;");
  const factory = new Function("newValidity", `return function store(row, cols, i) {\n${lines.join("\n")}\n};`) as (newValidity: () => Uint32Array) => StoreFn;
  return factory(() => new Uint32Array(CHUNK_ROWS / 32).fill(0xffffffff));
}
