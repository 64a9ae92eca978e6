// Payload encode/decode for every message: dispatch by command name, plus the small messages.
// Trailing bytes after a complete message are ignored (as Bitcoin Core does); unknown commands are
// kept raw, never fatal.
import { decodeAddr, decodeAddrV2, encodeAddr, encodeAddrV2 } from "./addr.ts";
import { Reader, Writer } from "./bytes.ts";
import { ProtocolError } from "./errors.ts";
import { MAX_INV_ITEMS } from "./limits.ts";
import type { InvItem, Message } from "./messages.ts";
import { decodeVersion, encodeVersion } from "./version.ts";

const EMPTY = new Uint8Array(0);

function u64Payload(v: bigint): Uint8Array {
  const w = new Writer(8);
  w.u64le(v);
  return w.finish();
}

/** Payload bytes of a message (no header). Throws ProtocolError (or AddressError for an address
 * that its message cannot carry) when the message cannot be expressed on the wire. */
export function encodePayload(msg: Message): Uint8Array {
  switch (msg.command) {
    case "version":
      return encodeVersion(msg);
    case "verack":
    case "getaddr":
    case "sendaddrv2":
    case "wtxidrelay":
    case "sendheaders":
      return EMPTY;
    case "ping":
    case "pong":
      return u64Payload(msg.nonce);
    case "addr":
      return encodeAddr(msg.entries);
    case "addrv2":
      return encodeAddrV2(msg.entries);
    case "sendcmpct": {
      const w = new Writer(9);
      w.u8(msg.announce ? 1 : 0);
      w.u64le(msg.version);
      return w.finish();
    }
    case "feefilter": {
      const w = new Writer(8);
      w.i64le(msg.feeRate);
      return w.finish();
    }
    case "inv": {
      if (msg.items.length > MAX_INV_ITEMS) {
        throw new ProtocolError("too_many_entries", `inv: ${msg.items.length} items, limit ${MAX_INV_ITEMS}`);
      }
      const w = new Writer(5 + msg.items.length * 36);
      w.compactSize(msg.items.length);
      for (const item of msg.items) {
        if (item.hash.length !== 32) throw new ProtocolError("malformed", `inv: hash of ${item.hash.length} bytes, must be 32`);
        w.u32le(item.type);
        w.bytes(item.hash);
      }
      return w.finish();
    }
    case "unknown":
      return msg.payload;
  }
}

function decodeInv(payload: Uint8Array): Message {
  const r = new Reader(payload);
  const count = r.compactSize("inv.count");
  if (count > MAX_INV_ITEMS) throw new ProtocolError("too_many_entries", `inv: ${count} items, limit ${MAX_INV_ITEMS}`);
  r.need(count * 36, "inv.items");
  const items = new Array<InvItem>(count);
  for (let i = 0; i < count; i++) {
    const type = r.u32le("inv.type");
    items[i] = { type, hash: new Uint8Array(r.bytes(32, "inv.hash")) };
  }
  return { command: "inv", items };
}

/** Decodes a payload by command name; a command without a decoder comes back as `unknown` with a
 * copy of the payload. Throws only ProtocolError. */
export function decodePayload(command: string, payload: Uint8Array): Message {
  switch (command) {
    case "version":
      return decodeVersion(payload);
    case "verack":
    case "getaddr":
    case "sendaddrv2":
    case "wtxidrelay":
    case "sendheaders":
      return { command };
    case "ping":
    case "pong": {
      // BIP31: peers below 60001 send ping without a nonce; read that as nonce 0 (pong always has one).
      if (payload.length === 0 && command === "ping") return { command, nonce: 0n };
      return { command, nonce: new Reader(payload).u64le(`${command}.nonce`) };
    }
    case "addr":
      return decodeAddr(payload);
    case "addrv2":
      return decodeAddrV2(payload);
    case "sendcmpct": {
      const r = new Reader(payload);
      const announce = r.u8("sendcmpct.announce") !== 0;
      return { command, announce, version: r.u64le("sendcmpct.version") };
    }
    case "feefilter":
      return { command, feeRate: new Reader(payload).i64le("feefilter.fee_rate") };
    case "inv":
      return decodeInv(payload);
    default:
      return { command: "unknown", rawCommand: command, payload: new Uint8Array(payload) };
  }
}
