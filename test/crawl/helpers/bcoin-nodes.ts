// Child process for the interop test: runs real bcoin@1.0.2 regtest nodes (Chain + Pool, in memory) listening on
// loopback addresses. Each node's address book is exactly its `seeds`, so its getaddr reply is deterministic.
// Usage: node --import tsx bcoin-nodes.ts '<json [{host, port, seeds}]>' — prints "ready" and runs until stdin ends.
// Safety: a loopback guard is installed before bcoin loads, and bcoin's outbound discovery (external-IP DNS
// lookups at OpenDNS, UPnP, DNS seeds, outbound/loader peers) is switched off.
import { createRequire } from "node:module";
import { installLoopbackGuard, violations } from "./loopback-guard.ts";

installLoopbackGuard();
const require = createRequire(import.meta.url);

interface NodeSpec {
  host: string;
  port: number;
  seeds: string[];
}

interface BcoinPool {
  open(): Promise<void>;
  connect(): Promise<void>;
  close(): Promise<void>;
  discoverExternal: () => Promise<void>;
  discoverGateway: () => Promise<void>;
  discoverSeeds: () => Promise<void>;
  fillOutbound: () => void;
  hosts: { size(): number; toArray(): { hostname: string }[] };
}
interface BcoinChain {
  open(): Promise<void>;
  close(): Promise<void>;
}

const bcoin = require("bcoin") as {
  Chain: new (o: Record<string, unknown>) => BcoinChain;
  Pool: new (o: Record<string, unknown>) => BcoinPool;
};

const specs = JSON.parse(process.argv[2] ?? "[]") as NodeSpec[];
const running: { chain: BcoinChain; pool: BcoinPool }[] = [];
for (const spec of specs) {
  const chain = new bcoin.Chain({ network: "regtest", memory: true });
  await chain.open();
  const pool = new bcoin.Pool({
    network: "regtest",
    chain,
    memory: true,
    listen: true,
    host: spec.host,
    port: spec.port,
    publicHost: spec.host,
    publicPort: spec.port,
    seeds: spec.seeds,
    nodes: [],
    selfish: false,
    upnp: false,
    maxOutbound: 1, // must be > 0; fillOutbound is disabled below
  });
  pool.discoverExternal = async () => undefined;
  pool.discoverGateway = async () => undefined;
  pool.discoverSeeds = async () => undefined;
  pool.fillOutbound = () => undefined; // no loader or outbound peers: the address book stays exactly `seeds`
  await pool.open();
  await pool.connect();
  running.push({ chain, pool });
}
process.stdout.write(`ready ${JSON.stringify(running.map((r) => r.pool.hosts.toArray().map((a) => a.hostname)))}\n`);

const stop = async () => {
  for (const r of running) {
    await r.pool.close().catch(() => undefined);
    await r.chain.close().catch(() => undefined);
  }
  if (violations.length > 0) process.stderr.write(`loopback guard violations: ${violations.join(", ")}\n`);
  process.exit(violations.length > 0 ? 3 : 0);
};
process.stdin.on("end", () => void stop());
process.stdin.resume();
process.on("SIGTERM", () => void stop());
