// SOCKS5 client (RFC 1928, with RFC 1929 username/password): CONNECT through a proxy such as Tor; .onion and
// other names go as a domain name (ATYP 3) so the proxy resolves them, IP literals as ATYP 1/4. A credential per
// session makes Tor (IsolateSOCKSAuth, on by default) give every peer its own circuit.
import { isIP, type Socket } from "node:net";
import { UsageError } from "../../pipeline/errors.ts";
import { SocksError } from "./errors.ts";
import { parseIp } from "./policy.ts";

/** A parsed `--proxy socks5://HOST:PORT`. */
export interface ProxyAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `socks5://HOST:PORT` (or `socks5h://`); HOST must be an IP literal or `localhost`. */
export function parseProxy(text: string): ProxyAddress {
  const m = /^socks5h?:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(text.trim());
  const rawHost = m?.[1]?.replace(/^\[|\]$/g, "");
  const port = Number(m?.[2]);
  const host = rawHost === "localhost" ? "127.0.0.1" : rawHost;
  if (host === undefined || isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--proxy must be socks5://IP:PORT (e.g. socks5://127.0.0.1:9050), got '${text}'`);
  }
  return { host, port };
}

/** RFC 1929 credentials offered to the proxy (Tor isolates streams with different ones on separate circuits). */
export interface SocksAuth {
  readonly username: string;
  readonly password: string;
}

/** RFC 1928 §6 reply codes (and Tor's onion-service extensions, proposal 304), for error text. */
const REPLIES: Readonly<Record<number, string>> = {
  1: "general SOCKS server failure",
  2: "connection not allowed by ruleset",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused",
  6: "TTL expired",
  7: "command not supported",
  8: "address type not supported",
  // Tor ExtendedErrors 0xF0–0xF7
  240: "onion service descriptor can not be found",
  241: "onion service descriptor is invalid",
  242: "onion service introduction failed",
  243: "onion service rendezvous failed",
  244: "onion service missing client authorization",
  245: "onion service wrong client authorization",
  246: "onion service invalid address",
  247: "onion service introduction timed out",
};

function authRequest(auth: SocksAuth): Buffer {
  const user = Buffer.from(auth.username, "utf8");
  const pass = Buffer.from(auth.password, "utf8");
  if (user.length < 1 || user.length > 255 || pass.length < 1 || pass.length > 255) throw new SocksError("SOCKS5: username and password must be 1–255 bytes");
  return Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]);
}

function addressBytes(host: string): Buffer {
  const ip = parseIp(host);
  if (ip !== undefined) {
    const width = ip.family === 4 ? 4 : 16;
    const out = Buffer.alloc(1 + width);
    out[0] = ip.family === 4 ? 1 : 4;
    out.set(ip.bytes, 1);
    return out;
  }
  const name = Buffer.from(host, "ascii");
  if (name.length === 0 || name.length > 255) throw new SocksError(`SOCKS5: bad host name length: ${host}`);
  return Buffer.concat([Buffer.from([3, name.length]), name]);
}

/**
 * Performs the SOCKS5 greeting (offering username/password when `auth` is given, else no authentication) and
 * CONNECT on an already connected socket to the proxy. Resolves when the proxy reports success; any bytes after
 * the reply are pushed back so the caller's reader sees them. The caller owns deadlines (it destroys the socket
 * on timeout, which rejects this promise).
 */
export function socks5Handshake(socket: Socket, host: string, port: number, auth?: SocksAuth): Promise<void> {
  return new Promise((resolve, reject) => {
    const target = addressBytes(host); // throws (rejecting) before anything is sent
    const credentials = auth === undefined ? undefined : authRequest(auth);
    let buf = Buffer.alloc(0);
    let stage: "method" | "auth" | "reply" = "method";
    const sendConnect = () => {
      stage = "reply";
      socket.write(Buffer.concat([Buffer.from([5, 1, 0]), target, Buffer.from([port >> 8, port & 0xff])]));
    };
    const cleanup = () => {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
    };
    const fail = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onError = (err: Error) => fail(new SocksError(`SOCKS5 proxy connection failed: ${err.message}`));
    const onClose = () => fail(new SocksError("SOCKS5 proxy closed the connection during the handshake"));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (stage === "method") {
        if (buf.length < 2) return;
        if (buf[0] !== 5) return fail(new SocksError(`SOCKS5: proxy answered version ${buf[0]}, not 5`));
        const method = buf[1];
        buf = buf.subarray(2);
        if (method === 2 && credentials !== undefined) {
          stage = "auth";
          socket.write(credentials);
        } else if (method === 0) {
          sendConnect();
        } else {
          return fail(new SocksError(`SOCKS5: proxy requires an authentication method (${method}) we do not offer`));
        }
      }
      if (stage === "auth") {
        if (buf.length < 2) return;
        if (buf[1] !== 0) return fail(new SocksError(`SOCKS5: proxy rejected the username/password (status ${buf[1]})`));
        buf = buf.subarray(2);
        sendConnect();
      }
      if (stage === "reply") {
        if (buf.length < 5) return;
        if (buf[0] !== 5) return fail(new SocksError(`SOCKS5: bad reply version ${buf[0]}`));
        const rep = buf[1]!;
        if (rep !== 0) return fail(new SocksError(`SOCKS5 reply 0x${rep.toString(16).padStart(2, "0")} ${REPLIES[rep] ?? "unknown reply"}`, rep));
        const atyp = buf[3];
        const addrLen = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + buf[4]! : -1;
        if (addrLen < 0) return fail(new SocksError(`SOCKS5: bad bound address type ${atyp}`));
        const total = 4 + addrLen + 2;
        if (buf.length < total) return;
        cleanup();
        socket.pause(); // the session resumes it once its reader is attached, so no byte is lost
        const rest = buf.subarray(total);
        if (rest.length > 0) socket.unshift(rest);
        resolve();
      }
    };
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
    socket.write(credentials === undefined ? Buffer.from([5, 1, 0]) : Buffer.from([5, 2, 0, 2]));
  });
}
