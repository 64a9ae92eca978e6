// What the simnet's gateways share: the name → peer index of overlay peers, the relay that joins a client's
// socket to a peer's Unix socket with a fixed one-way delay per direction, and the gateways' counters.
import { connect, type Server, type Socket } from "node:net";
import type { SimnetModel } from "./model.ts";
import { socketPath, type PeerNetwork } from "./overlay.ts";

/** Counters of one gateway. */
export interface GatewayStats {
  /** Client connections accepted. */
  connections: number;
  /** Streams joined to a peer. */
  served: number;
  /** Requests failed for a peer the gateway fails (ground truth's gateway_failure). */
  failed: number;
  /** Requests for a name no simnet peer has. */
  unknown: number;
  /** Protocol violations by the client (bad version, bad command, session errors). */
  rejected: number;
  /** Most streams joined at once. */
  peakStreams: number;
  /** Distinct SOCKS5 usernames seen (Tor isolates streams by credential), or SAM sessions created. */
  credentials: number;
}

/** A fresh set of zero counters. */
export function emptyGatewayStats(): GatewayStats {
  return { connections: 0, served: 0, failed: 0, unknown: 0, rejected: 0, peakStreams: 0, credentials: 0 };
}

/** Name → index of every peer of `network` in the model (names are computed once here). */
export function nameIndex(model: SimnetModel, network: PeerNetwork): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < model.config.nodes; i++) if (model.network(i) === network) out.set(model.address(i), i);
  return out;
}

/** Live streams of a gateway, for the peak counter and for closing everything on stop. */
export class StreamSet {
  readonly sockets = new Set<Socket>();
  private streams = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly stats: GatewayStats) {}

  /** Tracks a socket until it closes. */
  track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }

  /** Runs `fn` after `ms` unless the gateway stops first (nothing is scheduled once it has: the close events of the
   * sockets it destroys would otherwise arm timers that keep the process alive for seconds). */
  later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Connects to peer `i`'s Unix socket; resolves with the socket, or undefined when the peer does not answer. */
  dialPeer(socketDir: string, i: number): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const peer = connect({ path: socketPath(socketDir, i) });
      this.track(peer);
      const onError = () => {
        peer.destroy();
        resolve(undefined);
      };
      peer.once("error", onError);
      peer.once("connect", () => {
        peer.off("error", onError);
        peer.pause(); // nothing is lost before the relay attaches
        resolve(peer);
      });
    });
  }

  /**
   * Joins client and peer, delaying every chunk and each direction's end by `oneWayMs`. When the peer's side ends
   * in any way (FIN, reset, close), the client gets a FIN after the delay (as tor relays an END cell), and is
   * destroyed 5 s later if it has not closed by then; when the client closes, the peer is closed after the delay.
   */
  relay(client: Socket, peer: Socket, oneWayMs: number): void {
    this.stats.served++;
    this.streams++;
    this.stats.peakStreams = Math.max(this.stats.peakStreams, this.streams);
    let counted = true;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      this.streams--;
    };
    let peerDone = false;
    const endClient = () => {
      if (peerDone) return;
      peerDone = true;
      this.later(oneWayMs, () => {
        if (!client.destroyed) client.end();
        this.later(5000, () => client.destroy());
      });
    };
    peer.on("data", (chunk: Buffer) => this.later(oneWayMs, () => !client.destroyed && client.write(chunk)));
    client.on("data", (chunk: Buffer) => this.later(oneWayMs, () => !peer.destroyed && peer.write(chunk)));
    peer.on("end", endClient);
    peer.on("error", endClient);
    peer.on("close", endClient);
    client.on("end", () => this.later(oneWayMs, () => (peer.destroyed ? undefined : peer.end())));
    client.on("error", () => undefined);
    client.on("close", () => {
      uncount();
      this.later(oneWayMs, () => peer.destroy());
    });
    peer.resume();
    client.resume();
  }

  /** Stops every timer and closes every socket and the server. */
  async close(server: Server): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/** Listens on `host:port` (0: any free port); resolves with the bound port. */
export function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, () => {
      server.off("error", reject);
      const a = server.address();
      resolve(typeof a === "object" && a !== null ? a.port : port);
    });
  });
}
