// A scripted Bitcoin peer for tests: a real TCP server on a loopback address that speaks the protocol with the
// codec, runs a per-connection script, and logs every command it receives (so tests can assert ordering).
import { createServer, type Server, type Socket } from "node:net";
import { once } from "node:events";
import { CHAINS, FrameParser, encodeFrame, formatHostPort, type Message, type PeerAddress, type VersionMessage } from "../../../lib/bitcoin/index.ts";

/** Regtest magic (simnet uses it too). */
export const MAGIC = CHAINS.regtest.magic;

/** One accepted connection, as the script sees it. */
export class PeerConn {
  readonly received: Message[] = [];
  private readonly parser: FrameParser;
  private waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void; onClose?: () => void }[] = [];
  closed = false;

  constructor(
    readonly socket: Socket,
    readonly magic: number = MAGIC,
  ) {
    this.parser = new FrameParser(magic);
    socket.on("data", (chunk: Buffer) => {
      let msgs: Message[];
      try {
        msgs = this.parser.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const m of msgs) {
        this.received.push(m);
        this.waiters = this.waiters.filter((w) => {
          if (!w.match(m)) return true;
          w.resolve(m);
          return false;
        });
      }
    });
    socket.on("close", () => {
      this.closed = true;
      for (const w of this.waiters) w.onClose?.();
    });
    socket.on("error", () => undefined);
  }

  /** Commands received so far, in order. */
  get commands(): string[] {
    return this.received.map((m) => (m.command === "unknown" ? `unknown:${m.rawCommand}` : m.command));
  }

  /** Resolves with the first message of `command` (already received or future); rejects after `ms`, or as soon as
   * the crawler closes the connection (nothing more can arrive; no timer is left to hold the test process open). */
  waitFor(command: Message["command"], ms = 5000): Promise<Message> {
    const have = this.received.find((m) => m.command === command);
    if (have !== undefined) return Promise.resolve(have);
    const closed = () => new Error(`scripted peer: the crawler closed the connection before any ${command}`);
    if (this.closed) return Promise.reject(closed());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`scripted peer: no ${command} within ${ms} ms`)), ms);
      this.waiters.push({
        match: (m) => m.command === command,
        resolve: (m) => (clearTimeout(t), resolve(m)),
        onClose: () => (clearTimeout(t), reject(closed())),
      });
    });
  }

  /**
   * Sends a ping and resolves at its pong: the crawler has then read everything sent before it (frames are
   * handled in order). Rejects if the crawler closes the connection first. Waits on the wire, never on a clock,
   * so it works under node:test mock timers.
   */
  async sync(nonce: bigint): Promise<void> {
    const closed = () => new Error("scripted peer: the crawler closed the connection before the pong");
    if (this.closed) throw closed();
    const pong = new Promise<void>((resolve, reject) => {
      this.waiters.push({ match: (m) => m.command === "pong" && m.nonce === nonce, resolve: () => resolve(), onClose: () => reject(closed()) });
    });
    this.send({ command: "ping", nonce });
    await pong;
  }

  /** Sends one message framed with the peer's magic (regtest unless given). */
  send(msg: Message): void {
    if (!this.socket.destroyed) this.socket.write(encodeFrame(this.magic, msg));
  }

  /** Sends raw bytes (garbage, partial frames). */
  sendRaw(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Resolves when the crawler has closed the connection. */
  async waitClosed(ms = 5000): Promise<void> {
    if (this.closed) return;
    let t: NodeJS.Timeout | undefined;
    try {
      await Promise.race([once(this.socket, "close"), new Promise((_, rej) => (t = setTimeout(() => rej(new Error("not closed")), ms)))]);
    } finally {
      clearTimeout(t);
    }
  }
}

/** A version message as a peer would send it; `overrides` shape old/new peers. */
export function peerVersion(overrides: Partial<VersionMessage> = {}): VersionMessage {
  return {
    command: "version",
    version: 70016,
    services: 0x409n,
    timestamp: 1_700_000_000n,
    receiver: { services: 0n, address: "127.0.0.1", networkType: "ipv4", port: 0 },
    sender: { services: 0x409n, address: "::", networkType: "ipv6", port: 0 },
    nonce: 42n,
    userAgent: "/Satoshi:27.0.0/",
    startHeight: 123,
    relay: true,
    ...overrides,
  };
}

/** `n` distinct IPv4 entries in 127.77.x.y (loopback, never dialled by these tests unless allowed). */
export function ipv4Entries(n: number, base = "127.77", port = 18444): PeerAddress[] {
  return Array.from({ length: n }, (_, i) => ({
    networkType: "ipv4" as const,
    address: `${base}.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    port,
    services: 1n,
    time: 1_700_000_000 + i,
  }));
}

/** The usual handshake from the peer side: wait for version, answer version + verack, wait for verack. */
export async function handshake(c: PeerConn, version: Partial<VersionMessage> = {}): Promise<void> {
  await c.waitFor("version");
  c.send(peerVersion(version));
  c.send({ command: "verack" });
  await c.waitFor("verack");
}

/** A running scripted peer. */
export interface ScriptedPeer {
  readonly host: string;
  readonly port: number;
  readonly hostPort: string;
  readonly connections: PeerConn[];
  /** Errors thrown by scripts (a test should assert this stays empty). */
  readonly scriptErrors: unknown[];
  close(): Promise<void>;
}

/** Starts a scripted peer on `host` (a 127.x address) and an ephemeral (or given) port. */
export async function startScriptedPeer(host: string, script: (c: PeerConn) => Promise<void> | void, port = 0, magic: number = MAGIC): Promise<ScriptedPeer> {
  const connections: PeerConn[] = [];
  const scriptErrors: unknown[] = [];
  const server: Server = createServer((socket) => {
    const c = new PeerConn(socket, magic);
    connections.push(c);
    Promise.resolve()
      .then(() => script(c))
      .catch((err: unknown) => {
        if (!c.closed) scriptErrors.push(err);
      });
  });
  server.listen(port, host);
  await once(server, "listening");
  const a = server.address();
  const bound = typeof a === "object" && a !== null ? a.port : 0;
  return {
    host,
    port: bound,
    hostPort: formatHostPort(host, bound),
    connections,
    scriptErrors,
    close: async () => {
      for (const c of connections) c.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
