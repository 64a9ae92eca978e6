// What a session sends: our version message for a target, frames of the payload-less messages encoded once per
// network, and the batching that makes every answer to one received chunk (e.g. sendaddrv2 + wtxidrelay + verack +
// getaddr) leave in a single write.
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { encodeFrame, type Message, PROTOCOL_VERSION, type VersionAddress, type VersionMessage } from "../../lib/bitcoin/index.ts";
import { type SessionTarget, USER_AGENT } from "./session-contract.ts";

const EMPTY_ADDR: VersionAddress = { services: 0n, address: "::", networkType: "ipv6", port: 0 };

/** Frames of the payload-less messages we send, encoded once per network (their checksum never changes). */
const CONSTANT_FRAMES = new Map<number, Map<string, Uint8Array>>();
const CONSTANT_COMMANDS = new Set(["verack", "getaddr", "sendaddrv2", "wtxidrelay"]);

function constantFrame(magic: number, msg: Message): Uint8Array | undefined {
  if (!CONSTANT_COMMANDS.has(msg.command)) return undefined;
  let byMagic = CONSTANT_FRAMES.get(magic);
  if (byMagic === undefined) CONSTANT_FRAMES.set(magic, (byMagic = new Map()));
  let frame = byMagic.get(msg.command);
  if (frame === undefined) byMagic.set(msg.command, (frame = encodeFrame(magic, msg)));
  return frame;
}

function versionAddressOf(target: SessionTarget): VersionAddress {
  const legacy = target.networkType === "ipv4" || target.networkType === "ipv6" || target.networkType === "cjdns";
  return legacy ? { services: 0n, address: target.address, networkType: target.networkType, port: target.port } : EMPTY_ADDR;
}

/** Our version message to `target`: 70016, our user agent, relay false, services 0, a fresh nonce. */
export function versionFor(target: SessionTarget): VersionMessage {
  return {
    command: "version",
    version: PROTOCOL_VERSION,
    services: 0n,
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
    receiver: versionAddressOf(target),
    sender: EMPTY_ADDR,
    nonce: randomBytes(8).readBigUInt64LE(0),
    userAgent: USER_AGENT,
    startHeight: 0,
    relay: false,
  };
}

/** A session's outgoing frames: written at once, or held while one received chunk is answered and written together. */
export class Outbox {
  private socket: Socket | undefined;
  private held: Uint8Array[] | undefined;

  constructor(private readonly magic: number) {}

  /** The connected socket frames go to (nothing is sent before). */
  attach(socket: Socket): void {
    this.socket = socket;
  }

  /** Queues a frame: written now, or with the held batch when one is open. A closed socket drops it. */
  send(msg: Message): void {
    if (!this.writable()) return;
    const frame = constantFrame(this.magic, msg) ?? encodeFrame(this.magic, msg);
    if (this.held !== undefined) this.held.push(frame);
    else this.socket!.write(frame);
  }

  /** Starts holding frames (a chunk is being answered). */
  hold(): void {
    this.held = [];
  }

  /** Writes the held frames in one write and stops holding. */
  release(): void {
    const out = this.held;
    this.held = undefined;
    if (out === undefined || out.length === 0 || !this.writable()) return;
    this.socket!.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  }

  private writable(): boolean {
    const s = this.socket;
    return s !== undefined && !s.destroyed && s.writable;
  }
}
