// I2P through a SAM v3.1 bridge (i2pd, Java I2P), as Bitcoin Core's -i2psam does: one transient STREAM session
// per crawl (`HELLO VERSION MIN=3.1 MAX=3.1`, `SESSION CREATE STYLE=STREAM ID=… DESTINATION=TRANSIENT
// SIGNATURE_TYPE=7`, its control socket kept open), then per peer a new socket: `HELLO`, `STREAM CONNECT ID=…
// DESTINATION=<name>.b32.i2p SILENT=false`; after `STREAM STATUS RESULT=OK` it carries the Bitcoin protocol.
import { randomBytes } from "node:crypto";
import { connect, isIP, type Socket } from "node:net";
import { UsageError } from "../../pipeline/errors.ts";
import { log } from "../../pipeline/log.ts";
import { SamError, SessionAbortedError, SessionTimeoutError } from "./errors.ts";

/** A parsed `--i2p-sam HOST:PORT`. */
export interface SamAddress {
  readonly host: string;
  readonly port: number;
}

/** SAM's conventional port (i2pd and Java I2P listen on 127.0.0.1:7656). */
export const SAM_DEFAULT_PORT = 7656;

/** Longest SAM line accepted (Core's MAX_MSG_SIZE): a bridge that sends more without a newline is broken. */
export const SAM_MAX_LINE = 65_536;

/** Deadline of `SESSION CREATE` (tunnel building takes seconds to minutes; Core waits up to 3 min per reply). */
export const SAM_SESSION_TIMEOUT_MS = 120_000;

/** Parses `HOST:PORT` (or `[IPv6]:PORT`, or HOST alone for port 7656); HOST must be an IP literal or `localhost`. */
export function parseSamAddress(text: string): SamAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text.trim());
  const raw = m?.[1] ?? m?.[2];
  const host = raw === "localhost" ? "127.0.0.1" : raw;
  const port = m?.[3] === undefined ? SAM_DEFAULT_PORT : Number(m[3]);
  if (host === undefined || isIP(host) === 0 || port < 1 || port > 65535) {
    throw new UsageError(`--i2p-sam must be IP:PORT of a SAM v3.1 bridge (e.g. 127.0.0.1:7656), got '${text}'`);
  }
  return { host, port };
}

/** One SAM reply line split into its words: `STREAM STATUS RESULT=OK` → topic STREAM, verb STATUS, keys. */
export interface SamReply {
  readonly line: string;
  readonly topic: string;
  readonly verb: string;
  readonly keys: ReadonlyMap<string, string>;
}

/** Parses a SAM reply line (values may be double-quoted with backslash escapes, as SAM 3.2 allows). */
export function parseSamReply(line: string): SamReply {
  const words: string[] = [];
  const re = /([^\s=]+)(?:=("(?:[^"\\]|\\.)*"|\S*))?/g;
  const keys = new Map<string, string>();
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    const value = m[2];
    if (value === undefined) words.push(m[1]!);
    else keys.set(m[1]!, value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, "$1") : value);
  }
  return { line, topic: words[0] ?? "", verb: words[1] ?? "", keys };
}

/**
 * Reads one `\n`-terminated line from `socket` (paused or flowing); any bytes after it are pushed back and the
 * socket is left paused, so the Bitcoin reader attached next sees them. Rejects on close, error or an overlong line.
 */
export function readSamLine(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const cleanup = () => {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new SamError(`SAM bridge connection failed: ${err.message}`));
    };
    const onClose = () => {
      cleanup();
      reject(new SamError("SAM bridge closed the connection before replying"));
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const nl = buf.indexOf(10);
      if (nl < 0) {
        if (buf.length > SAM_MAX_LINE) {
          cleanup();
          socket.pause();
          reject(new SamError(`SAM bridge sent more than ${SAM_MAX_LINE} bytes without a newline`));
        }
        return;
      }
      cleanup();
      socket.pause();
      const rest = buf.subarray(nl + 1);
      if (rest.length > 0) socket.unshift(rest);
      resolve(buf.subarray(0, nl).toString("utf8").replace(/\r$/, ""));
    };
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
    socket.resume();
  });
}

/** Sends one request line and reads the reply; with `expectOk`, anything but RESULT=OK rejects with its result. */
async function request(socket: Socket, line: string, expectOk: boolean): Promise<SamReply> {
  socket.write(`${line}\n`);
  const reply = parseSamReply(await readSamLine(socket));
  const shown = line.startsWith("SESSION CREATE") ? "SESSION CREATE …" : line;
  if (!reply.keys.has("RESULT")) throw new SamError(`SAM: no RESULT= in the reply to "${shown}": "${reply.line}"`);
  if (expectOk && reply.keys.get("RESULT") !== "OK") throw new SamError(`SAM: "${reply.line}" in reply to "${shown}"`, reply.keys.get("RESULT"));
  return reply;
}

/** Opens a TCP connection to the bridge and says HELLO (3.1 only, as Core); the socket and the bridge's reply. */
export async function samHello(bridge: SamAddress): Promise<{ socket: Socket; reply: SamReply }> {
  const socket = connect({ host: bridge.host, port: bridge.port, noDelay: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve();
      });
      socket.once("error", (err: Error) => reject(new SamError(`SAM bridge ${bridge.host}:${bridge.port} unreachable: ${err.message}`)));
    });
    const reply = await request(socket, "HELLO VERSION MIN=3.1 MAX=3.1", true);
    return { socket, reply };
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/** Races `work` against a deadline and a signal; on either, `onCancel` destroys what `work` holds. */
function bounded<T>(work: Promise<T>, ms: number, signal: AbortSignal | undefined, timeout: () => Error, onCancel: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      onCancel();
      return reject(new SessionAbortedError());
    }
    const end = (err?: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (err !== undefined) {
        onCancel();
        reject(err);
      }
    };
    const onAbort = () => end(new SessionAbortedError());
    const timer = setTimeout(() => end(timeout()), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        end();
        resolve(v);
      },
      (err: unknown) => end(err instanceof Error ? err : new SamError(String(err))),
    );
  });
}

/**
 * The crawl's SAM session: created on first use, re-created when its control socket closes (Core's
 * CreateIfNotCreatedAlready), shared by every I2P visit. `connect` opens one stream to a `.b32.i2p` peer.
 */
export class SamSession {
  private control: Socket | undefined;
  private id: string | undefined;
  private creating: Promise<string> | undefined;
  private warned = false;
  private closed = false;
  /** The control socket while SESSION CREATE is pending (closed by close()). */
  private pending: Socket | undefined;
  /** Our transient destination's public part (base64), once a session exists. */
  destination: string | undefined;

  constructor(readonly bridge: SamAddress) {}

  /** The session id, creating the session if there is none (concurrent callers share one creation). */
  ensure(): Promise<string> {
    if (this.id !== undefined && this.control !== undefined && !this.control.destroyed) return Promise.resolve(this.id);
    this.creating ??= this.create().finally(() => (this.creating = undefined));
    return this.creating;
  }

  private async create(): Promise<string> {
    const id = `fluxture-${randomBytes(5).toString("hex")}`;
    let socket: Socket | undefined;
    const timer = setTimeout(() => socket?.destroy(new SamError(`SAM SESSION CREATE: no reply within ${SAM_SESSION_TIMEOUT_MS} ms`)), SAM_SESSION_TIMEOUT_MS);
    try {
      if (this.closed) throw new SamError("SAM session closed");
      socket = (await samHello(this.bridge)).socket;
      this.pending = socket;
      if (this.closed) throw new SamError("SAM session closed");
      const reply = await request(
        socket,
        `SESSION CREATE STYLE=STREAM ID=${id} DESTINATION=TRANSIENT SIGNATURE_TYPE=7 i2cp.leaseSetEncType=4,0 inbound.quantity=1 outbound.quantity=1`,
        true,
      );
      this.destination = reply.keys.get("DESTINATION");
      const control = socket;
      control.on("error", () => undefined);
      control.once("close", () => {
        if (this.control === control) {
          this.control = undefined;
          this.id = undefined;
          log("warn", `I2P: SAM session ${id} on ${this.bridge.host}:${this.bridge.port} closed; the next I2P visit creates a new one`);
        }
      });
      control.resume(); // the bridge may send PING lines on the control socket; nothing else arrives there
      control.on("data", (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        const ping = /^PING(.*)$/m.exec(text);
        if (ping !== null) control.write(`PONG${ping[1]}\n`);
      });
      this.control = control;
      this.id = id;
      this.warned = false;
      log("info", `I2P: SAM session ${id} created on ${this.bridge.host}:${this.bridge.port}`);
      return id;
    } catch (err) {
      socket?.destroy();
      if (!this.warned && !this.closed) {
        this.warned = true; // one line per failure streak, not one per I2P peer
        log("warn", `I2P: cannot create a SAM session on ${this.bridge.host}:${this.bridge.port}: ${err instanceof Error ? err.message : String(err)}`);
      }
      throw err;
    } finally {
      this.pending = undefined;
      clearTimeout(timer);
    }
  }

  /**
   * Opens a stream to `name` (`<52 chars>.b32.i2p`) within `timeoutMs` (session creation included). Resolves
   * with the paused socket carrying the peer's bytes; rejects with SamError (its `result` is the SAM RESULT),
   * SessionTimeoutError or SessionAbortedError.
   */
  connect(name: string, timeoutMs: number, signal?: AbortSignal): Promise<Socket> {
    let socket: Socket | undefined;
    let cancelled = false;
    const work = (async () => {
      const id = await this.ensure();
      if (cancelled) throw new SessionAbortedError();
      socket = (await samHello(this.bridge)).socket;
      if (cancelled) throw new SessionAbortedError();
      const reply = await request(socket, `STREAM CONNECT ID=${id} DESTINATION=${name} SILENT=false`, false);
      const result = reply.keys.get("RESULT")!;
      if (cancelled) throw new SessionAbortedError();
      if (result === "OK") {
        socket.pause();
        return socket;
      }
      if (result === "INVALID_ID") this.drop(id); // the bridge forgot our session: re-create it next time (as Core)
      const message = reply.keys.get("MESSAGE");
      throw new SamError(`SAM STREAM CONNECT: ${result}${message === undefined ? "" : ` (${message})`}`, result);
    })();
    return bounded(
      work,
      timeoutMs,
      signal,
      () => (this.id === undefined ? new SamError(`SAM session not ready within ${timeoutMs} ms`, "SESSION_TIMEOUT") : new SessionTimeoutError("proxy")),
      () => {
        cancelled = true;
        socket?.destroy();
      },
    );
  }

  private drop(id: string): void {
    if (this.id !== id) return;
    this.id = undefined;
    this.control?.destroy();
    this.control = undefined;
  }

  /** Closes the control socket (ends the session at the bridge) and abandons a pending creation. */
  close(): void {
    this.closed = true;
    this.pending?.destroy();
    this.id = undefined;
    this.control?.destroy();
    this.control = undefined;
  }
}
