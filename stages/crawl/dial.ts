// Opens the connection of one visit under one deadline: directly, through a SOCKS5 proxy (onion addresses, with
// a per-session credential for stream isolation), or as a stream of the crawl's I2P SAM session.
import { connect, type Socket } from "node:net";
import { SessionAbortedError, SessionTimeoutError, SocksError } from "./errors.ts";
import type { SamSession } from "./sam.ts";
import { socks5Handshake, type ProxyAddress, type SocksAuth } from "./socks5.ts";

/** Where to connect: the peer, and the proxy or SAM session to reach it through (if any). */
export interface DialTarget {
  readonly host: string;
  readonly port: number;
  readonly proxy?: ProxyAddress;
  /** RFC 1929 credential for the proxy (one per session: Tor isolates each on its own circuit). */
  readonly socksAuth?: SocksAuth;
  /** The crawl's SAM session: `host` is a `.b32.i2p` name. */
  readonly sam?: SamSession;
}

/** Deadline and cancellation of a dial. */
export interface DialOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/**
 * Connects to `target` within `timeoutMs` (including the SOCKS5 exchange). The returned socket is paused with
 * no listeners; the caller attaches its reader and resumes it. On failure the socket is destroyed.
 */
export function dial(target: DialTarget, opts: DialOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new SessionAbortedError());
    if (target.sam !== undefined) return target.sam.connect(target.host, opts.timeoutMs, opts.signal).then(resolve, reject);
    const via = target.proxy;
    const socket = connect({ host: via?.host ?? target.host, port: via?.port ?? target.port, noDelay: true });
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      socket.off("connect", onConnect);
      if (err !== undefined) {
        socket.destroy();
        reject(err);
      } else {
        socket.pause();
        resolve(socket);
      }
    };
    const onAbort = () => finish(new SessionAbortedError());
    const onError = (err: Error) => finish(via !== undefined ? new SocksError(`SOCKS5 proxy ${via.host}:${via.port} unreachable: ${err.message}`) : err);
    const onConnect = () => {
      if (via === undefined) return finish();
      socket.off("error", onError); // socks5Handshake reports errors from here on
      socks5Handshake(socket, target.host, target.port, target.socksAuth).then(
        () => finish(),
        (err: unknown) => finish(err instanceof Error ? err : new SocksError(String(err))),
      );
    };
    // The deadline decides after one more I/O poll (setImmediate), so a connect that completed while this process was
    // busy is seen before its timer (libuv runs expired timers first); finish is idempotent.
    const timer = setTimeout(() => setImmediate(() => finish(new SessionTimeoutError(via !== undefined ? "proxy" : "connect"))), opts.timeoutMs);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", onError);
    socket.once("connect", onConnect);
  });
}
