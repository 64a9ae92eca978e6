// Serves a slice of a simnet's peers from the current process: one listening socket per peer on its own
// loopback address, all sharing one set of counters and precomputed frames.
import { createServer, type Server, type Socket } from "node:net";
import { FrameCache } from "./cache.ts";
import { ConstantFrames, SIMNET_MAGIC } from "./frames.ts";
import { converse, emptyStats, prewarmReplies, type ConversationContext, type HostStats } from "./conversation.ts";
import type { SimnetModel } from "./model.ts";
import { FluxtureError } from "../../pipeline/errors.ts";
import { isGatewayNetwork, socketPath } from "./overlay.ts";

/** File descriptors one process may hold (this machine's hard cap), minus a margin for everything else. */
export const FD_BUDGET = 20_000 - 256;

/** An address a peer could not listen on. */
export class ListenError extends FluxtureError {}

/** Peers of one slice, listening. */
export interface Host {
  /** How many peers this process serves. */
  readonly listening: number;
  /** Live counters (cacheBytes filled in on read). */
  readonly stats: HostStats;
  /** Fills the reply cache in the background (call once the whole simnet is up, so it never slows the start). */
  prewarm(): void;
  /** Closes every listener and connection and cancels pending replies. */
  close(): Promise<void>;
}

function listen(server: Server, where: { host: string; port: number } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const label = "path" in where ? where.path : where.host.includes(":") ? `[${where.host}]:${where.port}` : `${where.host}:${where.port}`;
    const onError = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === "EADDRINUSE"
          ? "already in use (another simnet on this --base, or another program?)"
          : err.code === "EADDRNOTAVAIL" && "host" in where && where.host.startsWith("fc")
            ? `no interface has ${where.host} (a CJDNS peer's address: add it first, e.g. ip -6 addr add ${where.host}/128 dev lo nodad)`
            : err.message;
      reject(new ListenError(`cannot listen on ${label}: ${why}`));
    };
    server.once("error", onError);
    server.listen({ ...where, backlog: 511 }, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** Where peer `i` listens: its loopback address and port (IPv4), `[::1]`:port (IPv6), its fc00:: address and port
 * (CJDNS: the address must be on an interface), or — onion and I2P peers, which have no IP listener — a Unix
 * socket in `socketDir` that only the simnet's gateways connect to. */
export function listenTarget(model: SimnetModel, i: number, socketDir: string | undefined): { host: string; port: number } | { path: string } {
  const net = model.network(i);
  if (isGatewayNetwork(net)) {
    if (socketDir === undefined) throw new ListenError(`peer ${i} is an ${net} peer but the simnet has no socket folder`);
    return { path: socketPath(socketDir, i) };
  }
  return { host: model.address(i), port: model.port(i) };
}

/** Starts peers [from, to) of `model` in this process (overlay peers on Unix sockets in `socketDir`). */
export async function startHost(model: SimnetModel, from: number, to: number, socketDir?: string): Promise<Host> {
  const stats: HostStats = emptyStats();
  const ctx: ConversationContext = {
    model,
    magic: SIMNET_MAGIC,
    frames: new ConstantFrames(SIMNET_MAGIC, model.config.pingFlood),
    stats,
    timers: new Set(),
    replies: new FrameCache(model.config.replyCacheMB * 1024 * 1024),
  };
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const maxOpen = FD_BUDGET - (to - from);
  const onConnection = (peer: number) => (socket: Socket) => {
    if (sockets.size >= maxOpen) {
      socket.on("error", () => {});
      socket.resetAndDestroy(); // out of descriptors: behave like a full node rather than crash
      return;
    }
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    converse(ctx, peer, socket);
  };
  const pending: Promise<void>[] = [];
  for (let i = from; i < to; i++) {
    const server = createServer({ noDelay: true }, onConnection(i));
    servers.push(server);
    pending.push(listen(server, listenTarget(model, i, socketDir)));
  }
  const results = await Promise.allSettled(pending);
  let closed = false;
  const close = async (): Promise<void> => {
    closed = true;
    for (const t of ctx.timers) clearTimeout(t);
    ctx.timers.clear();
    const allClosed = servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve())));
    for (const s of sockets) s.destroy(); // server.close waits for its connections: end them now
    await Promise.all(allClosed);
  };
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await close();
    throw failed.reason;
  }
  let prewarming = false;
  const prewarm = () => {
    if (prewarming) return;
    prewarming = true;
    void prewarmReplies(ctx, from, to, () => closed).then(() => (stats.prewarmed = 1));
  };
  return {
    listening: to - from,
    get stats() {
      stats.cacheBytes = ctx.replies.size;
      return stats;
    },
    prewarm,
    close,
  };
}
