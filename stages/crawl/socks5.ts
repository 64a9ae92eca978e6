// SOCKS5 client (RFC 1928, no authentication): CONNECT through a proxy such as Tor; .onion and other names go
// as a domain name (ATYP 3) so the proxy resolves them, IP literals as ATYP 1/4.
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

/** RFC 1928 §6 reply codes, for error text. */
const REPLIES: Readonly<Record<number, string>> = {
  1: "general SOCKS server failure",
  2: "connection not allowed by ruleset",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused",
  6: "TTL expired",
  7: "command not supported",
  8: "address type not supported",
};

function addressBytes(host: string): Buffer {
  const ip = parseIp(host);
  if (ip !== undefined) {
    const width = ip.family === 4 ? 4 : 16;
    const out = Buffer.alloc(1 + width);
    out[0] = ip.family === 4 ? 1 : 4;
    for (let i = 0; i < width; i++) out[width - i] = Number((ip.value >> BigInt(8 * i)) & 0xffn);
    return out;
  }
  const name = Buffer.from(host, "ascii");
  if (name.length === 0 || name.length > 255) throw new SocksError(`SOCKS5: bad host name length: ${host}`);
  return Buffer.concat([Buffer.from([3, name.length]), name]);
}

/**
 * Performs the SOCKS5 greeting and CONNECT on an already connected socket to the proxy. Resolves when the
 * proxy reports success; any bytes after the reply are pushed back so the caller's reader sees them.
 * The caller owns deadlines (it destroys the socket on timeout, which rejects this promise).
 */
export function socks5Handshake(socket: Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const target = addressBytes(host); // throws (rejecting) before anything is sent
    let buf = Buffer.alloc(0);
    let stage: "method" | "reply" = "method";
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
        if (buf[1] !== 0) return fail(new SocksError(`SOCKS5: proxy requires an authentication method (${buf[1]}) we do not offer`));
        buf = buf.subarray(2);
        stage = "reply";
        const req = Buffer.concat([Buffer.from([5, 1, 0]), target, Buffer.from([port >> 8, port & 0xff])]);
        socket.write(req);
      }
      if (stage === "reply") {
        if (buf.length < 5) return;
        if (buf[0] !== 5) return fail(new SocksError(`SOCKS5: bad reply version ${buf[0]}`));
        const rep = buf[1]!;
        if (rep !== 0) return fail(new SocksError(`SOCKS5 reply 0x0${rep.toString(16)} ${REPLIES[rep] ?? "unknown reply"}`, rep));
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
    socket.write(Buffer.from([5, 1, 0]));
  });
}
