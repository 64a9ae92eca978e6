// The messages the codec understands, as plain readonly data (bytes in, objects out).
import type { NetworkType, PeerAddress } from "./address.ts";

/** An endpoint as the version message carries it (no time field). */
export interface VersionAddress {
  readonly services: bigint;
  readonly address: string;
  readonly networkType: NetworkType;
  readonly port: number;
}

/** The handshake opener; fields after `receiver` are optional because old peers stop early. */
export interface VersionMessage {
  readonly command: "version";
  readonly version: number;
  readonly services: bigint;
  readonly timestamp: bigint;
  readonly receiver: VersionAddress;
  readonly sender?: VersionAddress;
  readonly nonce?: bigint;
  /** The user agent decoded as UTF-8 (invalid bytes as U+FFFD), cut to at most MAX_USER_AGENT_BYTES of UTF-8. */
  readonly userAgent?: string;
  /**
   * The user agent's bytes exactly as on the wire (decodeVersion always sets it with userAgent). Given to
   * encodeVersion, they are sent instead of userAgent's UTF-8 (a test peer can send invalid UTF-8 this way).
   */
  readonly userAgentBytes?: Uint8Array;
  readonly startHeight?: number;
  readonly relay?: boolean;
}

/** One inventory vector (type and 32-byte hash as on the wire). */
export interface InvItem {
  readonly type: number;
  readonly hash: Uint8Array;
}

/** Every message the codec decodes; anything else arrives as `unknown` with its raw bytes. */
export type Message =
  | VersionMessage
  | { readonly command: "verack" }
  | { readonly command: "ping"; readonly nonce: bigint }
  | { readonly command: "pong"; readonly nonce: bigint }
  | { readonly command: "getaddr" }
  | { readonly command: "addr"; readonly entries: readonly PeerAddress[] }
  | { readonly command: "addrv2"; readonly entries: readonly PeerAddress[]; readonly skipped: number }
  | { readonly command: "sendaddrv2" }
  | { readonly command: "wtxidrelay" }
  | { readonly command: "sendheaders" }
  | { readonly command: "sendcmpct"; readonly announce: boolean; readonly version: bigint }
  | { readonly command: "feefilter"; readonly feeRate: bigint }
  | { readonly command: "inv"; readonly items: readonly InvItem[] }
  | { readonly command: "unknown"; readonly rawCommand: string; readonly payload: Uint8Array };

/** The command names with a dedicated decoder. */
export type KnownCommand = Exclude<Message["command"], "unknown">;

/** The message of a given command. */
export type MessageOf<C extends Message["command"]> = Extract<Message, { command: C }>;

/** Every known command name (wire spelling). */
export const KNOWN_COMMANDS: readonly KnownCommand[] = [
  "version",
  "verack",
  "ping",
  "pong",
  "getaddr",
  "addr",
  "addrv2",
  "sendaddrv2",
  "wtxidrelay",
  "sendheaders",
  "sendcmpct",
  "feefilter",
  "inv",
];
