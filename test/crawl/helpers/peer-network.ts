// A small network of scripted peers on loopback with fixed getaddr replies, for crawl tests (in-process, so it
// outlives crawler child processes that are killed and restarted).
import { parseHostPort, type PeerAddress } from "../../../lib/bitcoin/index.ts";
import { handshake, startScriptedPeer, type ScriptedPeer } from "./scripted-peer.ts";

/** One peer: where it listens, what its getaddr reply holds, and how it behaves. */
export interface PeerSpec {
  readonly host: string;
  readonly port: number;
  /** HOST:PORT texts (any network type the codec knows) sent as one addrv2 reply. */
  readonly reply: readonly string[];
  readonly replyDelayMs?: number;
  readonly userAgent?: string;
  /** User-agent bytes sent exactly (instead of userAgent's UTF-8): ESC, NUL, invalid UTF-8. */
  readonly userAgentBytes?: Uint8Array;
  /** silent: accepts and never speaks (handshake timeout); announce_only: sends `reply` unsolicited right after the
   * handshake and never answers getaddr (no_addr_reply). */
  readonly behaviour?: "normal" | "silent" | "announce_only";
  /** Wire magic (default regtest). */
  readonly magic?: number;
}

/** A running network; `connections` counts accepted connections per HOST:PORT. */
export interface PeerNetwork {
  readonly peers: readonly ScriptedPeer[];
  readonly connections: Map<string, number>;
  /** Resolves once `holds(connections)` is true, checked at every accepted connection (a wait, never a sleep). */
  until(holds: (connections: ReadonlyMap<string, number>) => boolean): Promise<void>;
  close(): Promise<void>;
}

/** Parses reply texts to addrv2 entries with fixed timestamps (deterministic). */
export function replyEntries(reply: readonly string[]): PeerAddress[] {
  return reply.map((t, i) => {
    const hp = parseHostPort(t, 18444);
    return { networkType: hp.networkType, address: hp.address, port: hp.port, services: 0x409n, time: 1_700_000_000 + i };
  });
}

/** Starts every peer of `specs`. */
export async function startPeerNetwork(specs: readonly PeerSpec[]): Promise<PeerNetwork> {
  const connections = new Map<string, number>();
  let waiters: { holds: (c: ReadonlyMap<string, number>) => boolean; resolve: () => void }[] = [];
  const peers: ScriptedPeer[] = [];
  for (const spec of specs) {
    const key = `${spec.host}:${spec.port}`;
    const entries = replyEntries(spec.reply);
    peers.push(
      await startScriptedPeer(
        spec.host,
        async (c) => {
          connections.set(key, (connections.get(key) ?? 0) + 1);
          const ready = waiters.filter((w) => w.holds(connections));
          waiters = waiters.filter((w) => !ready.includes(w));
          for (const w of ready) w.resolve();
          if (spec.behaviour === "silent") return;
          await handshake(c, { userAgent: spec.userAgent ?? "/Satoshi:27.0.0/", userAgentBytes: spec.userAgentBytes, startHeight: 800_000 });
          if (spec.behaviour === "announce_only") {
            c.send({ command: "addr", entries });
            return;
          }
          await c.waitFor("getaddr", 60_000);
          if (spec.replyDelayMs) await new Promise((r) => setTimeout(r, spec.replyDelayMs));
          c.send({ command: "addrv2", entries, skipped: 0 });
        },
        spec.port,
        spec.magic,
      ),
    );
  }
  return {
    peers,
    connections,
    until: (holds) => (holds(connections) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ holds, resolve }))),
    close: async () => {
      await Promise.all(peers.map((p) => p.close()));
    },
  };
}
