// DNS seeding: A and AAAA records of the network's seed hosts, through a chosen resolver when --dns-server is given.
import { Resolver } from "node:dns/promises";
import { isIP } from "node:net";
import { UsageError } from "../../pipeline/errors.ts";
import { describe } from "./errors.ts";

/** One address a DNS seed returned. */
export interface DnsSeedAddress {
  readonly address: string;
  readonly networkType: "ipv4" | "ipv6";
  readonly seedHost: string;
}

/** Result of resolving a list of hosts: the addresses, and one line per failed lookup (never fatal). */
export interface DnsSeedResult {
  readonly addresses: readonly DnsSeedAddress[];
  readonly failures: readonly string[];
}

/** Options of the resolver: `server` is `IP[:PORT]` (`[v6]:PORT` for IPv6); absent means the system resolver. */
export interface DnsOptions {
  readonly server?: string;
  readonly timeoutMs?: number;
  readonly tries?: number;
}

/** Validates `--dns-server IP[:PORT]` and returns it in the form Resolver.setServers takes. */
export function parseDnsServer(text: string): string {
  const t = text.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  const v4 = /^([^:]+)(?::(\d+))?$/.exec(t);
  const host = v6?.[1] ?? (isIP(t) === 6 ? t : v4?.[1]);
  const port = v6 !== null ? v6[2] : isIP(t) === 6 ? undefined : v4?.[2];
  if (host === undefined || isIP(host) === 0) {
    throw new UsageError(`--dns-server must be IP[:PORT] (an address, never a name), got '${text}'`);
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new UsageError(`--dns-server port must be 1-65535, got '${text}'`);
  }
  const hostPart = isIP(host) === 6 ? `[${host}]` : host;
  return port === undefined ? host : `${hostPart}:${port}`;
}

/** A resolver bound to `--dns-server` (when given) with a per-query timeout. */
export function makeResolver(opts: DnsOptions = {}): Resolver {
  const resolver = new Resolver({ timeout: opts.timeoutMs ?? 5000, tries: opts.tries ?? 2 });
  if (opts.server !== undefined) resolver.setServers([parseDnsServer(opts.server)]);
  return resolver;
}

/** Resolves A and AAAA of every host in parallel; a failed lookup becomes a failure line, not an error. */
export async function resolveHosts(hosts: readonly string[], opts: DnsOptions = {}): Promise<DnsSeedResult> {
  const resolver = makeResolver(opts);
  const addresses: DnsSeedAddress[] = [];
  const failures: string[] = [];
  const lookups = hosts.flatMap((host) =>
    (["A", "AAAA"] as const).map(async (kind) => {
      try {
        const found = kind === "A" ? await resolver.resolve4(host) : await resolver.resolve6(host);
        for (const address of found) {
          addresses.push({ address, networkType: kind === "A" ? "ipv4" : "ipv6", seedHost: host });
        }
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === "ENODATA") return; // the name exists but has no record of this type
        failures.push(`${host} ${kind}: ${describe(err)}`);
      }
    }),
  );
  await Promise.all(lookups);
  resolver.cancel();
  return { addresses, failures };
}
