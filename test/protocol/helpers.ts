// Shared test helpers for the wire codec: hex, fixture loading (JSON → Message) and frame building.
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import type { Message, PeerAddress, VersionAddress } from "../../lib/bitcoin/index.ts";

/** Bytes of a hex string. */
export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
}

/** Hex of bytes. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** One byte-exact case made by scripts/vectors/make_vectors.py (python3-bitcoinlib). */
export interface FixtureCase {
  name: string;
  network: string;
  magic: string;
  message: Record<string, unknown>;
  frame: string;
}

/** The cases of test/protocol/fixtures/<name>.json. */
export function loadFixture(name: string): FixtureCase[] {
  const url = new URL(`./fixtures/${name}.json`, import.meta.url);
  const doc = JSON.parse(readFileSync(url, "utf8")) as { generator: string; cases: FixtureCase[] };
  if (!doc.generator.startsWith("python3-bitcoinlib")) throw new Error(`unexpected generator in ${name}.json`);
  return doc.cases;
}

type Json = Record<string, unknown>;

function versionAddress(j: Json): VersionAddress {
  return {
    services: BigInt(j.services as string),
    address: j.address as string,
    networkType: j.networkType as VersionAddress["networkType"],
    port: j.port as number,
  };
}

function peerAddress(j: Json): PeerAddress {
  return { ...versionAddress(j), time: j.time as number };
}

/** `msg` as decodeVersion returns it: a version with a user agent also carries its bytes (userAgentBytes). */
export function withUserAgentBytes<M extends Message>(msg: M): M {
  if (msg.command !== "version" || msg.userAgent === undefined || msg.userAgentBytes !== undefined) return msg;
  return { ...msg, userAgentBytes: new TextEncoder().encode(msg.userAgent) };
}

/** The Message a fixture's JSON describes (64-bit values arrive as decimal strings, hashes as hex). */
export function messageFromJson(j: Json): Message {
  switch (j.command) {
    case "version": {
      const m: Record<string, unknown> = {
        command: "version",
        version: j.version,
        services: BigInt(j.services as string),
        timestamp: BigInt(j.timestamp as string),
        receiver: versionAddress(j.receiver as Json),
      };
      if (j.sender !== undefined) m.sender = versionAddress(j.sender as Json);
      if (j.nonce !== undefined) m.nonce = BigInt(j.nonce as string);
      if (j.userAgent !== undefined) {
        m.userAgent = j.userAgent;
        m.userAgentBytes = new TextEncoder().encode(j.userAgent as string); // decodeVersion keeps the bytes as received
      }
      if (j.startHeight !== undefined) m.startHeight = j.startHeight;
      if (j.relay !== undefined) m.relay = j.relay;
      return m as unknown as Message;
    }
    case "ping":
    case "pong":
      return { command: j.command, nonce: BigInt(j.nonce as string) };
    case "addr":
      return { command: "addr", entries: (j.entries as Json[]).map(peerAddress) };
    case "inv":
      return { command: "inv", items: (j.items as Json[]).map((i) => ({ type: i.type as number, hash: hex(i.hash as string) })) };
    case "verack":
    case "getaddr":
      return { command: j.command };
    default:
      throw new Error(`no fixture reviver for ${String(j.command)}`);
  }
}

/** A frame with an arbitrary (possibly invalid) command field, correct length and checksum. */
export function rawFrame(magic: number, commandBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(24 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  out.set(commandBytes.subarray(0, 12), 4);
  view.setUint32(16, payload.length, true);
  const sum = createHash("sha256").update(createHash("sha256").update(payload).digest()).digest();
  out.set(sum.subarray(0, 4), 20);
  out.set(payload, 24);
  return out;
}

/** 12 NUL-padded command bytes of ASCII text. */
export function commandBytes(text: string): Uint8Array {
  const b = new Uint8Array(12);
  for (let i = 0; i < text.length && i < 12; i++) b[i] = text.charCodeAt(i);
  return b;
}

/** Concatenation of byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
