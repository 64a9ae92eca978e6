// What a crawl is asked (CrawlOptions, from the CLI or a caller), its checks, and the parameters a run stores
// so that --resume continues with exactly the same ones.
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { UsageError } from "../../pipeline/errors.ts";
import { DEFAULT_I2P_CONNECT_TIMEOUT_MS, DEFAULT_I2P_HANDSHAKE_TIMEOUT_MS, DEFAULT_PROXY_CONCURRENCY } from "./gateways.ts";
import { DialPolicy } from "./policy.ts";
import { parseSamAddress } from "./sam.ts";
import { parseProxy } from "./socks5.ts";

/** Everything a crawl needs (docs/CONTRACTS.md "Crawl stage"), plus optional extras after `progress`. */
export interface CrawlOptions {
  dataDir: string;
  network: NetworkName;
  seeds: readonly string[];
  dnsSeeds: boolean;
  dnsServer?: string;
  /** Pins the concurrency; undefined: sized from the open-file limit and the memory budget (fdlimit.ts). */
  concurrency?: number;
  connectTimeoutMs: number;
  handshakeTimeoutMs: number;
  /** Pins the getaddr wait; undefined: adaptive (stages/crawl/wait.ts, 160–210 s by pressure). */
  getaddrTimeoutMs?: number;
  maxNodes?: number;
  maxDurationS?: number;
  /** CIDRs; empty means the network's default policy. */
  dialAllow: readonly string[];
  dialDeny: readonly string[];
  proxy?: string;
  /** true: the newest unfinished run of the network; a string: that run id. */
  resume?: string | true;
  signal?: AbortSignal;
  progress?: boolean;
  /** --seed-file: one HOST[:PORT] per line. */
  seedFile?: string;
  /** Connect deadline through the SOCKS5 proxy (default 30,000 ms: Tor circuits are slow). */
  proxyConnectTimeoutMs?: number;
  /** Seed from the previous succeeded run's reachable nodes (default true). */
  previousRun?: boolean;
  /** More SOCKS5 proxies for onion peers (sessions spread across `proxy` and these). */
  proxies?: readonly string[];
  /** Sessions at once per proxy (and through the SAM bridge); default 256. */
  proxyConcurrency?: number;
  /** SAM v3.1 bridge for I2P peers (`HOST:PORT`). */
  i2pSam?: string;
  /** Connect deadline through the SAM bridge (default 60,000 ms). */
  i2pConnectTimeoutMs?: number;
  /** Handshake deadline over I2P (default 30,000 ms). */
  i2pHandshakeTimeoutMs?: number;
  /** Allow fc00::/8 (CJDNS) in the dial policy. */
  cjdns?: boolean;
  /** MiB all sessions together may buffer in partial frames (budget.ts); default a quarter of the memory budget. */
  bufferBudgetMiB?: number;
}

/** Crawl parameters that shape the data; stored in the manifest so --resume continues with the same ones. */
export interface StoredParams {
  seeds: string[];
  seed_file: string | null;
  dns_seeds: boolean;
  dns_server: string | null;
  dial_allow: string[];
  dial_deny: string[];
  proxy: string | null;
  /** Every SOCKS5 proxy (older runs have only `proxy`). */
  proxies?: string[];
  proxy_concurrency?: number;
  i2p_sam?: string | null;
  i2p_connect_timeout_ms?: number;
  i2p_handshake_timeout_ms?: number;
  connect_timeout_ms: number;
  proxy_connect_timeout_ms: number;
  handshake_timeout_ms: number;
  /** null: the adaptive wait. */
  getaddr_timeout_ms: number | null;
  max_nodes: number | null;
}

/** Refuses bad options (numbers, proxy and SAM addresses, dial CIDRs) before any lock or folder. */
export function validate(o: CrawlOptions): void {
  const positive = (name: string, v: number | undefined) => {
    if (v !== undefined && (!Number.isFinite(v) || v <= 0)) throw new UsageError(`${name} must be a positive number, got ${v}`);
  };
  positive("concurrency", o.concurrency);
  positive("connect timeout", o.connectTimeoutMs);
  positive("handshake timeout", o.handshakeTimeoutMs);
  positive("getaddr timeout", o.getaddrTimeoutMs);
  positive("max nodes", o.maxNodes);
  positive("max duration", o.maxDurationS);
  positive("proxy connect timeout", o.proxyConnectTimeoutMs);
  positive("proxy concurrency", o.proxyConcurrency);
  positive("I2P connect timeout", o.i2pConnectTimeoutMs);
  positive("I2P handshake timeout", o.i2pHandshakeTimeoutMs);
  positive("buffer budget", o.bufferBudgetMiB);
  for (const p of proxyList(o)) parseProxy(p);
  if (o.i2pSam !== undefined) parseSamAddress(o.i2pSam);
  DialPolicy.forNetwork(o.network, o.dialAllow, o.dialDeny, o.cjdns === true); // bad CIDRs
}

/** Every proxy of the options: `proxy` first, then `proxies`, duplicates removed. */
export function proxyList(o: CrawlOptions): string[] {
  return [...new Set([...(o.proxy === undefined ? [] : [o.proxy]), ...(o.proxies ?? [])])];
}

/** The parameters a new run stores (the dial policy as resolved for its network). */
export function storedParams(o: CrawlOptions, policy: DialPolicy): StoredParams {
  return {
    seeds: [...o.seeds],
    seed_file: o.seedFile ?? null,
    dns_seeds: o.dnsSeeds,
    dns_server: o.dnsServer ?? null,
    dial_allow: policy.allow.map((c) => c.text),
    dial_deny: policy.deny.map((c) => c.text),
    proxy: proxyList(o)[0] ?? null,
    proxies: proxyList(o),
    proxy_concurrency: o.proxyConcurrency ?? DEFAULT_PROXY_CONCURRENCY,
    i2p_sam: o.i2pSam ?? null,
    i2p_connect_timeout_ms: o.i2pConnectTimeoutMs ?? DEFAULT_I2P_CONNECT_TIMEOUT_MS,
    i2p_handshake_timeout_ms: o.i2pHandshakeTimeoutMs ?? DEFAULT_I2P_HANDSHAKE_TIMEOUT_MS,
    connect_timeout_ms: o.connectTimeoutMs,
    proxy_connect_timeout_ms: o.proxyConnectTimeoutMs ?? 30_000,
    handshake_timeout_ms: o.handshakeTimeoutMs,
    getaddr_timeout_ms: o.getaddrTimeoutMs ?? null,
    max_nodes: o.maxNodes ?? null,
  };
}
