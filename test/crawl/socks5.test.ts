// SOCKS5 client against a SOCKS5 server on loopback that forwards to a loopback echo peer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { once } from "node:events";
import { dial } from "../../stages/crawl/dial.ts";
import { parseProxy } from "../../stages/crawl/socks5.ts";
import { SocksError, SessionTimeoutError } from "../../stages/crawl/errors.ts";
import { UsageError } from "../../pipeline/errors.ts";
import { startSocksServer } from "./helpers/socks-server.ts";

const ONION = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";

async function echoServer(host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.on("error", () => undefined);
    s.write("hello:");
    s.pipe(s);
  });
  server.listen(0, host);
  await once(server, "listening");
  const a = server.address();
  return { server, port: typeof a === "object" && a !== null ? a.port : 0 };
}

test("an onion address goes to the proxy as a domain name (ATYP 3) and the stream then flows both ways", async () => {
  const echo = await echoServer("127.0.0.61");
  const proxy = await startSocksServer(() => ({ host: "127.0.0.61", port: echo.port }));
  try {
    const socket = await dial({ host: ONION, port: 8333, proxy: parseProxy(proxy.url) }, { timeoutMs: 2000 });
    const expected = "hello:ping";
    const chunks: Buffer[] = [];
    const received = new Promise<void>((resolve) =>
      socket.on("data", (c: Buffer) => {
        chunks.push(c);
        if (Buffer.concat(chunks).length >= expected.length) resolve();
      }),
    );
    socket.resume();
    socket.write("ping");
    await received; // the echo server's greeting and the echo, however they are split into reads
    assert.equal(Buffer.concat(chunks).toString(), expected);
    socket.destroy();
    assert.deepEqual(proxy.requests, [{ atyp: 3, host: ONION, port: 8333 }]);
  } finally {
    await proxy.close();
    echo.server.close();
  }
});

test("IP targets go as ATYP 1 / ATYP 4", async () => {
  const echo = await echoServer("127.0.0.62");
  const proxy = await startSocksServer(() => ({ host: "127.0.0.62", port: echo.port }));
  try {
    for (const host of ["127.0.0.62", "::1"]) {
      const s = await dial({ host, port: 18444, proxy: parseProxy(proxy.url) }, { timeoutMs: 2000 });
      s.destroy();
    }
    assert.deepEqual(proxy.requests, [
      { atyp: 1, host: "127.0.0.62", port: 18444 },
      { atyp: 4, host: "0:0:0:0:0:0:0:1", port: 18444 },
    ]);
  } finally {
    await proxy.close();
    echo.server.close();
  }
});

test("a SOCKS failure reply becomes a SocksError carrying the reply code", async () => {
  const proxy = await startSocksServer(() => ({ reply: 5 }));
  try {
    await assert.rejects(
      dial({ host: ONION, port: 8333, proxy: parseProxy(proxy.url) }, { timeoutMs: 2000 }),
      (e: unknown) => e instanceof SocksError && e.reply === 5 && /connection refused/.test(e.message),
    );
  } finally {
    await proxy.close();
  }
});

test("an unreachable proxy is a SocksError without reply code; a silent proxy times out", async () => {
  const closed = await echoServer("127.0.0.63");
  const port = closed.port;
  await new Promise<void>((r) => closed.server.close(() => r()));
  await assert.rejects(
    dial({ host: ONION, port: 8333, proxy: { host: "127.0.0.63", port } }, { timeoutMs: 2000 }),
    (e: unknown) => e instanceof SocksError && e.reply === undefined,
  );
  const silent = createServer(() => undefined);
  silent.listen(0, "127.0.0.64");
  await once(silent, "listening");
  const a = silent.address();
  try {
    await assert.rejects(
      dial({ host: ONION, port: 8333, proxy: { host: "127.0.0.64", port: typeof a === "object" && a !== null ? a.port : 0 } }, { timeoutMs: 150 }),
      (e: unknown) => e instanceof SessionTimeoutError && e.phase === "proxy",
    );
  } finally {
    silent.close();
  }
});

test("parseProxy accepts socks5://IP:PORT and localhost, rejects other schemes and names", () => {
  assert.deepEqual(parseProxy("socks5://127.0.0.1:9050"), { host: "127.0.0.1", port: 9050 });
  assert.deepEqual(parseProxy("socks5h://localhost:9050"), { host: "127.0.0.1", port: 9050 });
  assert.deepEqual(parseProxy("socks5://[::1]:9050"), { host: "::1", port: 9050 });
  for (const bad of ["http://127.0.0.1:8080", "socks5://tor.example:9050", "socks5://127.0.0.1", "127.0.0.1:9050"]) {
    assert.throws(() => parseProxy(bad), UsageError, bad);
  }
});
