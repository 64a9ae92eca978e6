// Where a crawl starts: --seed, --seed-file, the network's DNS seeds, and the reachable nodes of the previous
// succeeded run of the same network (a warm start). Each seed keeps its source; the frontier dedupes them.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB } from "../../pipeline/duckdb.ts";
import { DataError, UsageError, errorMessage } from "../../pipeline/errors.ts";
import { log } from "../../pipeline/log.ts";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { findRun } from "../../pipeline/runs.ts";
import { VISITS } from "../../pipeline/schema/visits.ts";
import { resolveHosts } from "./dns.ts";
import type { FrontierItem } from "./frontier.ts";
import { AddressError, CHAINS, canonicalAddress, parseHostPort, type ChainParams } from "../../lib/bitcoin/index.ts";
import { pushAll } from "../../lib/arrays.ts";

/** Wire parameters of a run's network; simnet speaks regtest's (magic fabfb5da, port 18444, no DNS seeds). */
export function chainOf(network: NetworkName): ChainParams {
  return network === "simnet" ? CHAINS.regtest : CHAINS[network];
}

/** Where to look for seeds. */
export interface SeedOptions {
  readonly network: NetworkName;
  readonly dataDir: string;
  /** `HOST:PORT` texts from --seed (hosts may be DNS names, resolved through `dnsServer`). */
  readonly seeds: readonly string[];
  readonly seedFile?: string;
  readonly dnsSeeds: boolean;
  readonly dnsServer?: string;
  /** Take the reachable nodes of the previous succeeded run (default true). */
  readonly previousRun?: boolean;
  /** Run id to skip when looking for the previous run (the run being resumed). */
  readonly excludeRun?: string;
}

/** Seeds found, in source order: seed args, seed file, DNS seeds, previous run. */
export interface SeedList {
  readonly items: readonly FrontierItem[];
  readonly counts: Readonly<Record<string, number>>;
}

const NAME_PORT = /^([a-z0-9.-]+\.?)(?::(\d{1,5}))?$/i;

/** Parses one seed text; DNS names are returned for resolution. `where` names the flag or file line in errors. */
function parseSeed(text: string, defaultPort: number, where: string): { endpoint?: FrontierItem; name?: { host: string; port: number } } {
  try {
    const hp = parseHostPort(text, defaultPort);
    return { endpoint: { address: hp.address, port: hp.port, networkType: hp.networkType, source: "seed_arg", depth: 0 } };
  } catch (err) {
    if (!(err instanceof AddressError)) throw err;
    const m = NAME_PORT.exec(text.trim());
    const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
    if (m === null || /^[0-9.]+$/.test(m[1]!) || port < 1 || port > 65535) {
      throw new UsageError(`${where}: '${text}' is not HOST:PORT (${err.message})`);
    }
    return { name: { host: m[1]!.replace(/\.$/, ""), port } };
  }
}

/** Reads a seed file: one HOST[:PORT] per line, `#` comments and blank lines ignored. */
export async function readSeedFile(path: string): Promise<{ text: string; where: string }[]> {
  let body: string;
  try {
    body = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`--seed-file ${path}: ${errorMessage(err)}`);
  }
  return body
    .split(/\r?\n/)
    .map((line, i) => ({ text: line.replace(/#.*$/, "").trim(), where: `${path}:${i + 1}` }))
    .filter((l) => l.text !== "");
}

/** Reachable endpoints (ok or no_addr_reply) of the newest succeeded run of `network`, or none. */
export async function previousRunSeeds(dataDir: string, network: NetworkName, excludeRun?: string): Promise<FrontierItem[]> {
  let dir: string;
  try {
    const info = await findRun(dataDir, { network, states: ["succeeded"] });
    if (info.id === excludeRun) return [];
    dir = info.dir;
  } catch (err) {
    if (err instanceof DataError) return [];
    throw err;
  }
  const file = join(dir, VISITS.file);
  const db = await openDuckDB({ threads: 1 });
  try {
    const rows = (
      await db.connection.runAndReadAll(
        `select address, port::integer as port, network_type from read_parquet(${quotedString(file)})
         where is_reachable(outcome) order by address, port`,
      )
    ).getRowObjectsJS();
    return rows.map((r) => ({
      address: String(r.address),
      port: Number(r.port),
      networkType: String(r.network_type) as FrontierItem["networkType"],
      source: "previous_run" as const,
      depth: 0,
    }));
  } catch (err) {
    log("warn", `previous run ${dir}: cannot read ${VISITS.file} (${errorMessage(err)}); no warm start`);
    return [];
  } finally {
    db.close();
  }
}

/** Gathers every seed; failed DNS lookups are logged, never fatal; a bad --seed or seed-file line is a UsageError. */
export async function gatherSeeds(opts: SeedOptions): Promise<SeedList> {
  const chain = chainOf(opts.network);
  const items: FrontierItem[] = [];
  const names: { host: string; port: number }[] = [];
  const texts = opts.seeds.map((text) => ({ text, where: "--seed" }));
  if (opts.seedFile !== undefined) pushAll(texts, await readSeedFile(opts.seedFile));
  for (const { text, where } of texts) {
    const p = parseSeed(text, chain.defaultPort, where);
    if (p.endpoint) items.push(p.endpoint);
    if (p.name) names.push(p.name);
  }
  const dnsOpts = opts.dnsServer === undefined ? {} : { server: opts.dnsServer };
  if (names.length > 0) {
    const byHost = new Map(names.map((n) => [n.host, n.port]));
    const r = await resolveHosts([...byHost.keys()], dnsOpts);
    for (const f of r.failures) log("warn", `seed lookup failed: ${f}`);
    for (const a of sortAddresses(r.addresses)) {
      items.push({ ...canonicalAddress(a.address), port: byHost.get(a.seedHost)!, source: "seed_arg", depth: 0 });
    }
  }
  const seedArgs = items.length;
  if (opts.dnsSeeds && chain.dnsSeeds.length > 0) {
    const r = await resolveHosts(chain.dnsSeeds, dnsOpts);
    for (const f of r.failures) log("warn", `DNS seed lookup failed: ${f}`);
    for (const a of sortAddresses(r.addresses)) {
      items.push({ ...canonicalAddress(a.address), port: chain.defaultPort, source: "dns_seed", depth: 0 });
    }
  }
  const dns = items.length - seedArgs;
  const previous = opts.previousRun === false ? [] : await previousRunSeeds(opts.dataDir, opts.network, opts.excludeRun);
  pushAll(items, previous);
  return { items, counts: { seed_arg: seedArgs, dns_seed: dns, previous_run: previous.length } };
}

function sortAddresses<T extends { seedHost: string; address: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (a.seedHost === b.seedHost ? a.address.localeCompare(b.address) : a.seedHost.localeCompare(b.seedHost)));
}
