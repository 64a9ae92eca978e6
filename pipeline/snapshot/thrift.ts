// A generic Thrift compact-protocol codec, enough to read, edit and rewrite a Parquet footer (FileMetaData)
// without a schema: every field is kept (unknown ones included) and written back exactly.

/** Compact-protocol type ids. */
export const T = { TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 } as const;

/** A decoded value, tagged with its compact type. Integers are bigint so 64-bit offsets stay exact. */
export type TValue =
  | { type: 1 | 2; value: boolean }
  | { type: 3 | 4 | 5 | 6; value: bigint }
  | { type: 7; value: Uint8Array /* 8 raw bytes */ }
  | { type: 8; value: Uint8Array }
  | { type: 9 | 10; elemType: number; items: TValue[] }
  | { type: 11; keyType: number; valueType: number; entries: [TValue, TValue][] }
  | { type: 12; fields: TField[] };

/** One field of a struct. */
export interface TField {
  id: number;
  value: TValue;
}

/** Thrown for a footer that is not valid compact Thrift. */
export class ThriftError extends Error {}

/** Decodes one compact-protocol struct starting at `offset`; returns it and the offset after it. */
export function decodeStruct(bytes: Uint8Array, offset = 0): { value: TValue & { type: 12 }; end: number } {
  let pos = offset;
  const byte = (): number => {
    if (pos >= bytes.length) throw new ThriftError("truncated Thrift data");
    return bytes[pos++]!;
  };
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new ThriftError("varint too long");
    }
  };
  const zigzag = (): bigint => {
    const v = varint();
    return (v >> 1n) ^ -(v & 1n);
  };
  const readValue = (type: number, inCollection: boolean): TValue => {
    switch (type) {
      case T.TRUE:
      case T.FALSE:
        if (inCollection) {
          const b = byte();
          return { type: b === 1 ? 1 : 2, value: b === 1 };
        }
        return { type, value: type === T.TRUE };
      case T.BYTE: {
        const b = byte();
        return { type, value: BigInt(b > 127 ? b - 256 : b) };
      }
      case T.I16:
      case T.I32:
      case T.I64:
        return { type, value: zigzag() };
      case T.DOUBLE: {
        if (pos + 8 > bytes.length) throw new ThriftError("truncated double");
        const v = bytes.slice(pos, pos + 8);
        pos += 8;
        return { type, value: v };
      }
      case T.BINARY: {
        const len = Number(varint());
        if (pos + len > bytes.length) throw new ThriftError("truncated binary");
        const v = bytes.slice(pos, pos + len);
        pos += len;
        return { type, value: v };
      }
      case T.LIST:
      case T.SET: {
        const head = byte();
        let size = head >> 4;
        if (size === 15) size = Number(varint());
        const elemType = head & 15;
        const items: TValue[] = [];
        for (let i = 0; i < size; i++) items.push(readValue(elemType, true));
        return { type, elemType, items };
      }
      case T.MAP: {
        const size = Number(varint());
        const kv = size > 0 ? byte() : 0;
        const keyType = kv >> 4;
        const valueType = kv & 15;
        const entries: [TValue, TValue][] = [];
        for (let i = 0; i < size; i++) entries.push([readValue(keyType, true), readValue(valueType, true)]);
        return { type, keyType, valueType, entries };
      }
      case T.STRUCT: {
        const fields: TField[] = [];
        let lastId = 0;
        for (;;) {
          const head = byte();
          if (head === 0) return { type, fields };
          const delta = head >> 4;
          const id = delta === 0 ? Number(zigzag()) : lastId + delta;
          fields.push({ id, value: readValue(head & 15, false) });
          lastId = id;
        }
      }
      default:
        throw new ThriftError(`unknown Thrift compact type ${type}`);
    }
  };
  const value = readValue(T.STRUCT, false) as TValue & { type: 12 };
  return { value, end: pos };
}

/** Encodes a struct back to compact-protocol bytes. */
export function encodeStruct(value: TValue & { type: 12 }): Uint8Array {
  const out: number[] = [];
  const varint = (v: bigint): void => {
    let x = v;
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
  };
  const zigzag = (v: bigint, bits: bigint): void => varint(BigInt.asUintN(Number(bits), (v << 1n) ^ (v >> (bits - 1n))));
  const writeValue = (v: TValue, inCollection: boolean): void => {
    switch (v.type) {
      case T.TRUE:
      case T.FALSE:
        if (inCollection) out.push(v.value ? 1 : 2);
        return; // a struct field's bool lives in its header
      case T.BYTE:
        out.push(Number(BigInt.asUintN(8, v.value)));
        return;
      case T.I16:
      case T.I32:
      case T.I64:
        zigzag(v.value, 64n);
        return;
      case T.DOUBLE:
        for (const b of v.value) out.push(b);
        return;
      case T.BINARY:
        varint(BigInt(v.value.length));
        for (const b of v.value) out.push(b);
        return;
      case T.LIST:
      case T.SET:
        if (v.items.length < 15) out.push((v.items.length << 4) | v.elemType);
        else {
          out.push(0xf0 | v.elemType);
          varint(BigInt(v.items.length));
        }
        for (const item of v.items) writeValue(item, true);
        return;
      case T.MAP:
        varint(BigInt(v.entries.length));
        if (v.entries.length > 0) out.push((v.keyType << 4) | v.valueType);
        for (const [k, val] of v.entries) {
          writeValue(k, true);
          writeValue(val, true);
        }
        return;
      case T.STRUCT: {
        let lastId = 0;
        for (const f of v.fields) {
          const type = f.value.type === T.TRUE || f.value.type === T.FALSE ? (f.value.value ? T.TRUE : T.FALSE) : f.value.type;
          const delta = f.id - lastId;
          if (delta > 0 && delta <= 15) out.push((delta << 4) | type);
          else {
            out.push(type);
            zigzag(BigInt(f.id), 16n);
          }
          writeValue(f.value, false);
          lastId = f.id;
        }
        out.push(0);
        return;
      }
    }
  };
  writeValue(value, false);
  return Uint8Array.from(out);
}

/** The field `id` of a struct value, if present. */
export function field(struct: TValue | undefined, id: number): TValue | undefined {
  if (struct?.type !== T.STRUCT) return undefined;
  return struct.fields.find((f) => f.id === id)?.value;
}
