// The simnet's Tor: a SOCKS5 server (RFC 1928, with RFC 1929 username/password as Tor's SocksPort accepts it)
// that resolves the simnet's `.onion` names to its onion peers' Unix sockets, with Tor-like behaviour: a few
// seconds to open a circuit, ~0.5 s round trips, and peers it fails after a delay with reply 4 (host
// unreachable: descriptor not found / introduction failed) or 6 (TTL expired), as tor without ExtendedErrors.
import { createServer, type Server, type Socket } from "node:net";
import type { SimnetModel } from "./model.ts";
import { around } from "./overlay.ts";
import { emptyGatewayStats, listenOn, nameIndex, StreamSet, type GatewayStats } from "./relay.ts";

/** A running gateway. */
export interface OverlayGateway {
  /** `HOST:PORT` it listens on. */
  readonly address: string;
  readonly stats: GatewayStats;
  close(): Promise<void>;
}

/** SOCKS5 reply codes the gateway sends. */
const REPLY = { ok: 0, general: 1, ruleset: 2, hostUnreachable: 4, ttlExpired: 6, command: 7, atyp: 8 } as const;

function reply(socket: Socket, code: number): void {
  socket.write(Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]));
}

/** Reads exactly what `need(buf)` asks for (it returns the byte count wanted, or -1 on a malformed prefix). */
function reader(socket: Socket, onFrame: (buf: Buffer) => void, need: (buf: Buffer) => number, onBad: () => void): void {
  let buf = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    const n = need(buf);
    if (n < 0) {
      socket.off("data", onData);
      return onBad();
    }
    if (buf.length < n) return;
    socket.off("data", onData);
    socket.pause();
    if (buf.length > n) socket.unshift(buf.subarray(n));
    onFrame(buf.subarray(0, n));
  };
  socket.on("data", onData);
  socket.resume();
}

/** Starts the SOCKS5 gateway for `model`'s onion peers (listening on Unix sockets in `socketDir`). */
export async function startTorGateway(model: SimnetModel, socketDir: string, host: string, port: number): Promise<OverlayGateway> {
  const names = nameIndex(model, "onion_v3");
  const stats = emptyGatewayStats();
  const streams = new StreamSet(stats);
  const usernames = new Set<string>();
  const lat = model.latency;

  const onConnect = (socket: Socket, name: string, dstPort: number) => {
    const i = names.get(name);
    const circuit = around(lat.torCircuitMs);
    if (i === undefined || model.port(i) !== dstPort) {
      stats.unknown++;
      return streams.later(circuit, () => {
        reply(socket, REPLY.hostUnreachable); // no descriptor for it (or no HiddenServicePort there)
        socket.end();
      });
    }
    const fate = model.fate(i);
    if (fate.kind === "fail") {
      stats.failed++;
      // tor gives up after retrying intro points (reply 4) or after its SocksTimeout (reply 6): later than a circuit
      return streams.later(circuit * 2, () => {
        reply(socket, fate.code === "unreachable" ? REPLY.hostUnreachable : REPLY.ttlExpired);
        socket.end();
      });
    }
    streams.later(circuit, () => {
      if (socket.destroyed) return;
      void streams.dialPeer(socketDir, i).then((peer) => {
        if (socket.destroyed) return peer?.destroy();
        if (peer === undefined) {
          reply(socket, REPLY.hostUnreachable);
          return socket.end();
        }
        reply(socket, REPLY.ok);
        streams.relay(socket, peer, lat.torRttMs / 2);
      });
    });
  };

  const onRequest = (socket: Socket) =>
    reader(
      socket,
      (req) => {
        const atyp = req[3];
        if (req[1] !== 1) {
          stats.rejected++;
          reply(socket, REPLY.command);
          return socket.end();
        }
        if (atyp !== 3) {
          stats.rejected++;
          reply(socket, REPLY.ruleset); // this Tor has no exits: only onion services
          return socket.end();
        }
        const len = req[4]!;
        const name = req
          .subarray(5, 5 + len)
          .toString("latin1")
          .toLowerCase();
        const dstPort = req.readUInt16BE(5 + len);
        onConnect(socket, name, dstPort);
      },
      (b) => {
        if (b.length >= 1 && b[0] !== 5) return -1;
        if (b.length < 5) return 5;
        const atyp = b[3];
        if (atyp === 1) return 10;
        if (atyp === 4) return 22;
        if (atyp === 3) return 7 + b[4]!;
        return -1;
      },
      () => {
        stats.rejected++;
        reply(socket, REPLY.atyp);
        socket.end();
      },
    );

  const onAuth = (socket: Socket) =>
    reader(
      socket,
      (req) => {
        const ulen = req[1]!;
        usernames.add(`${req.subarray(2, 2 + ulen).toString("latin1")}\u0000${req.subarray(3 + ulen).toString("latin1")}`);
        stats.credentials = usernames.size;
        socket.write(Buffer.from([1, 0])); // tor accepts any credential: it only uses it to isolate streams
        onRequest(socket);
      },
      (b) => {
        if (b.length >= 1 && b[0] !== 1) return -1;
        if (b.length < 2) return 2;
        const ulen = b[1]!;
        if (b.length < 3 + ulen) return 3 + ulen;
        return 3 + ulen + b[2 + ulen]!;
      },
      () => {
        stats.rejected++;
        socket.end(Buffer.from([1, 1]));
      },
    );

  const server: Server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
    stats.connections++;
    streams.track(socket);
    socket.on("error", () => socket.destroy());
    reader(
      socket,
      (greeting) => {
        const methods = greeting.subarray(2);
        if (methods.includes(2)) {
          socket.write(Buffer.from([5, 2]));
          onAuth(socket);
        } else if (methods.includes(0)) {
          socket.write(Buffer.from([5, 0]));
          onRequest(socket);
        } else {
          stats.rejected++;
          socket.end(Buffer.from([5, 0xff]));
        }
      },
      (b) => (b.length >= 1 && b[0] !== 5 ? -1 : b.length < 2 ? 2 : 2 + b[1]!),
      () => {
        stats.rejected++;
        socket.destroy();
      },
    );
  });
  const bound = await listenOn(server, host, port);
  return {
    address: `${host.includes(":") ? `[${host}]` : host}:${bound}`,
    stats,
    close: () => streams.close(server),
  };
}
