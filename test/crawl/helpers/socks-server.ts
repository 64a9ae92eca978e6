// A tiny SOCKS5 server on loopback (RFC 1928, no auth, CONNECT only) for tests: records each request and
// forwards it to a loopback target chosen by `route`, or answers with a failure reply code.
import { createServer, connect, type Server, type Socket } from "node:net";
import { once } from "node:events";

/** One CONNECT request the server received. */
export interface SocksRequest {
  readonly atyp: number;
  readonly host: string;
  readonly port: number;
}

/** Where a request goes: a loopback `{host, port}`, or a SOCKS reply code to fail with. */
export type SocksRoute = { host: string; port: number } | { reply: number };

/** A running test SOCKS5 server. */
export interface TestSocksServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly requests: SocksRequest[];
  close(): Promise<void>;
}

function parseRequest(buf: Buffer): { req: SocksRequest; length: number } | undefined {
  if (buf.length < 5) return undefined;
  const atyp = buf[3]!;
  if (atyp === 1) {
    if (buf.length < 10) return undefined;
    return { req: { atyp, host: [...buf.subarray(4, 8)].join("."), port: buf.readUInt16BE(8) }, length: 10 };
  }
  if (atyp === 3) {
    const n = buf[4]!;
    if (buf.length < 7 + n) return undefined;
    return { req: { atyp, host: buf.subarray(5, 5 + n).toString("ascii"), port: buf.readUInt16BE(5 + n) }, length: 7 + n };
  }
  if (atyp === 4) {
    if (buf.length < 22) return undefined;
    const words: string[] = [];
    for (let i = 0; i < 8; i++) words.push(buf.readUInt16BE(4 + i * 2).toString(16));
    return { req: { atyp, host: words.join(":"), port: buf.readUInt16BE(20) }, length: 22 };
  }
  return undefined;
}

/** Starts the server on `host` with an ephemeral port. */
export async function startSocksServer(route: (req: SocksRequest) => SocksRoute, host = "127.0.0.60"): Promise<TestSocksServer> {
  const requests: SocksRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    let buf = Buffer.alloc(0);
    let stage: "greeting" | "request" | "piping" = "greeting";
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (stage === "greeting") {
        if (buf.length < 2 || buf.length < 2 + buf[1]!) return;
        buf = buf.subarray(2 + buf[1]!);
        client.write(Buffer.from([5, 0]));
        stage = "request";
      }
      if (stage === "request") {
        const parsed = parseRequest(buf);
        if (parsed === undefined) return;
        requests.push(parsed.req);
        const rest = buf.subarray(parsed.length);
        stage = "piping";
        client.off("data", onData);
        const r = route(parsed.req);
        if ("reply" in r) {
          client.end(Buffer.from([5, r.reply, 0, 1, 0, 0, 0, 0, 0, 0]));
          return;
        }
        const upstream = connect({ host: r.host, port: r.port });
        sockets.add(upstream);
        upstream.on("close", () => {
          sockets.delete(upstream);
          client.destroy();
        });
        upstream.on("error", () => {
          client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
        });
        upstream.on("connect", () => {
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          if (rest.length > 0) upstream.write(rest);
          client.pipe(upstream);
          upstream.pipe(client);
        });
        client.on("close", () => upstream.destroy());
      }
    };
    client.on("data", onData);
  });
  server.listen(0, host);
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    host,
    port,
    url: `socks5://${host}:${port}`,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
