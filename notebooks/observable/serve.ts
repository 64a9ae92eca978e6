// A static HTTP server for the built notebook on loopback (DuckDB-WASM needs http://, not file://), with the
// byte ranges DuckDB uses to read only the Parquet columns it needs. `npm run notebook:serve -- --help`.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** Content types of what a Vite build and the data folder hold. */
const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".woff2": "font/woff2",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".parquet": "application/vnd.apache.parquet",
};

/** A running server: its base URL and how to stop it. */
export interface StaticServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Serves `dir` read-only on `host:port` (port 0 = any free one): GET and HEAD, single byte ranges. */
export async function serveStatic(dir: string, opts: { host?: string; port?: number } = {}): Promise<StaticServer> {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      let path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
      if (path.endsWith("/")) path += "index.html";
      const file = resolve(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end();
        return;
      }
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
        return;
      }
      const headers: Record<string, string | number> = {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "accept-ranges": "bytes",
        "cache-control": "no-cache",
      };
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
      let start = 0;
      let end = info.size - 1;
      let status = 200;
      if (range && (range[1] !== "" || range[2] !== "")) {
        start = range[1] === "" ? Math.max(0, info.size - Number(range[2])) : Number(range[1]);
        end = range[1] !== "" && range[2] !== "" ? Math.min(Number(range[2]), info.size - 1) : info.size - 1;
        if (start > end || start >= info.size) {
          res.writeHead(416, { "content-range": `bytes */${info.size}` }).end();
          return;
        }
        status = 206;
        headers["content-range"] = `bytes ${start}-${end}/${info.size}`;
      }
      headers["content-length"] = info.size === 0 ? 0 : end - start + 1;
      res.writeHead(status, headers);
      if (req.method === "HEAD" || info.size === 0) {
        res.end();
        return;
      }
      createReadStream(file, { start, end })
        .on("error", () => res.destroy())
        .pipe(res);
    } catch {
      if (!res.headersSent) res.writeHead(400).end();
      else res.destroy();
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => ok());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}/`,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Command line: serves the built notebook until interrupted. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { dir: { type: "string" }, port: { type: "string" }, host: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
    if (values.help) {
      process.stdout.write("usage: npm run notebook:serve -- [--dir DIR] [--port PORT] [--host 127.0.0.1]\n");
      return;
    }
    const port = values.port === undefined ? 8080 : /^\d+$/.test(values.port) && Number(values.port) < 65536 ? Number(values.port) : -1;
    if (port < 0) throw new Error(`--port must be a port number, got '${values.port}'`);
    const dir = values.dir ?? join(fileURLToPath(new URL(".", import.meta.url)), "dist");
    const info = await stat(join(dir, "index.html")).catch(() => null);
    if (!info?.isFile()) throw new Error(`${dir} has no index.html: build it first with npm run notebook`);
    const served = await serveStatic(dir, { host: values.host ?? "127.0.0.1", port });
    process.stdout.write(`notebook: serving ${resolve(dir)} on ${served.url} (Ctrl-C stops)\n`);
    const stop = (): void => void served.close().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  } catch (err) {
    process.stderr.write(`notebook: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
