// `fluxture node HOST[:PORT]`: one session with one node (under the same dial policy as a crawl), printed as text
// or JSON: its version record and the addresses of its getaddr reply.
import { escapeControl, safeJsonStringify } from "../../lib/text.ts";
import { ADAPTIVE_MAX_MS } from "./wait.ts";
import { FluxtureError, UsageError } from "../../pipeline/errors.ts";
import { isReachable } from "../../pipeline/schema/visits.ts";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { resolveHosts } from "./dns.ts";
import { DEFAULT_I2P_CONNECT_TIMEOUT_MS, DEFAULT_I2P_HANDSHAKE_TIMEOUT_MS, Gateways, isProxyGateway } from "./gateways.ts";
import { DialPolicy } from "./policy.ts";
import { SamSession, parseSamAddress } from "./sam.ts";
import { AddressError, canonicalAddress, formatHostPort, parseHostPort, type NetworkType } from "../../lib/bitcoin/index.ts";
import { chainOf } from "./seeds.ts";
import { runSession, type SessionResult } from "./session.ts";
import { parseProxy } from "./socks5.ts";

/** Flags of `fluxture node`. */
export interface NodeFlags {
  network: NetworkName;
  connectTimeout: number;
  proxyConnectTimeout: number;
  handshakeTimeout: number;
  /** Pinned getaddr wait; default the adaptive wait's longest (one session, no pressure). */
  getaddrTimeout?: number;
  dialAllow: string[];
  dialDeny: string[];
  /** SOCKS5 proxies (repeatable --proxy); the first is used. */
  proxy?: string[];
  i2pSam?: string;
  i2pConnectTimeout?: number;
  i2pHandshakeTimeout?: number;
  cjdns?: boolean;
  dnsServer?: string;
  json?: boolean;
}

/** The node could not be interrogated (refused, timeout, not dialled by policy, …); exit code 1. */
export class NodeUnreachableError extends FluxtureError {}

/** Result of interrogating one node. */
export interface NodeReport {
  readonly address: string;
  readonly port: number;
  readonly networkType: NetworkType;
  readonly result: SessionResult;
}

/** Parses HOST[:PORT]; a DNS name is resolved (through --dns-server if given) to its first address. */
async function resolveTarget(text: string, defaultPort: number, dnsServer: string | undefined) {
  try {
    return parseHostPort(text, defaultPort);
  } catch (err) {
    if (!(err instanceof AddressError)) throw err;
    const m = /^([a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(text.trim());
    if (m === null) throw new UsageError(`node: '${text}' is not HOST[:PORT] (${err.message})`);
    const r = await resolveHosts([m[1]!], dnsServer === undefined ? {} : { server: dnsServer });
    const first = r.addresses[0];
    if (first === undefined) throw new UsageError(`node: cannot resolve ${m[1]}: ${r.failures.join("; ") || "no address"}`);
    return { ...canonicalAddress(first.address), port: m[2] === undefined ? defaultPort : Number(m[2]) };
  }
}

/** Interrogates one node under the dial policy of `network` (narrowed by dialAllow/dialDeny). */
export async function interrogateNode(text: string, o: NodeFlags & { network: NetworkName }): Promise<NodeReport> {
  const chain = chainOf(o.network);
  const target = await resolveTarget(text, chain.defaultPort, o.dnsServer);
  const policy = DialPolicy.forNetwork(o.network, o.dialAllow, o.dialDeny, o.cjdns === true);
  const proxies = (o.proxy ?? []).map(parseProxy);
  const sam = o.i2pSam === undefined ? undefined : new SamSession(parseSamAddress(o.i2pSam));
  const gateways = new Gateways(proxies, sam, 1);
  try {
    const route = gateways.route(target, policy);
    if (route.kind === "record") {
      throw new NodeUnreachableError(`node ${formatHostPort(target.address, target.port)}: ${route.outcome}: ${route.detail}`);
    }
    const gateway = route.via === "direct" ? undefined : gateways.acquire(route.via);
    const proxy = gateway !== undefined && isProxyGateway(gateway) ? gateway.proxy : undefined;
    const i2p = route.via === "i2p";
    const result = await runSession(target, {
      magic: chain.magic,
      connectTimeoutMs: proxy !== undefined ? o.proxyConnectTimeout : i2p ? (o.i2pConnectTimeout ?? DEFAULT_I2P_CONNECT_TIMEOUT_MS) : o.connectTimeout,
      handshakeTimeoutMs: i2p ? (o.i2pHandshakeTimeout ?? DEFAULT_I2P_HANDSHAKE_TIMEOUT_MS) : o.handshakeTimeout,
      getaddrTimeoutMs: o.getaddrTimeout ?? ADAPTIVE_MAX_MS,
      proxy,
      socksAuth: proxy !== undefined ? gateways.nextCredential() : undefined,
      sam: i2p ? sam : undefined,
    });
    return { address: target.address, port: target.port, networkType: target.networkType, result };
  } finally {
    gateways.close();
  }
}

/** The report as JSON-safe data (bigint → decimal string, dates → ISO). */
export function nodeReportJson(r: NodeReport): Record<string, unknown> {
  const v = r.result.version;
  return {
    address: r.address,
    port: r.port,
    network_type: r.networkType,
    outcome: r.result.outcome,
    error_detail: r.result.detail,
    connect_ms: r.result.connectMs,
    handshake_ms: r.result.handshakeMs,
    getaddr_ms: r.result.getaddrMs,
    version:
      v === null
        ? null
        : {
            protocol_version: v.protocolVersion,
            services: v.services.toString(),
            user_agent: v.userAgent,
            start_height: v.startHeight,
            relay: v.relay,
            peer_time: v.peerTime.toString(),
          },
    addr_messages: r.result.addrMessages,
    addrs_received: r.result.addrsReceived,
    addresses: r.result.entries.map((e, i) => ({
      address: e.address,
      port: e.port,
      network_type: e.networkType,
      services: e.services.toString(),
      advertised_at: e.time === undefined ? null : new Date(e.time * 1000).toISOString(),
      message: r.result.entryMessages[i],
    })),
  };
}

/** The report as text. */
export function formatNodeReport(r: NodeReport): string {
  const res = r.result;
  const v = res.version;
  const lines = [`node ${formatHostPort(r.address, r.port)} (${r.networkType}): ${res.outcome}${res.detail ? ` (${res.detail})` : ""}`];
  if (v !== null) {
    lines.push(
      `  protocol_version  ${v.protocolVersion}`,
      `  services          0x${v.services.toString(16)}`,
      `  user_agent        ${v.userAgent === null ? "-" : escapeControl(v.userAgent)}`, // peer text: no raw ESC on a terminal
      `  start_height      ${v.startHeight ?? "-"}`,
      `  relay             ${v.relay ?? "-"}`,
      `  peer_time         ${v.peerTime} (${new Date(Number(v.peerTime) * 1000).toISOString()})`,
    );
  }
  lines.push(`  timings ms        connect ${res.connectMs ?? "-"} · handshake ${res.handshakeMs ?? "-"} · getaddr ${res.getaddrMs ?? "-"}`);
  lines.push(`addresses: ${res.entries.length} (${res.addrsReceived} entries in ${res.addrMessages} messages)`);
  res.entries.forEach((e, i) => {
    const at = e.time === undefined ? "-" : new Date(e.time * 1000).toISOString();
    lines.push(`  ${formatHostPort(e.address, e.port)}  ${e.networkType}  services 0x${e.services.toString(16)}  ${at}  ${res.entryMessages[i]}`);
  });
  return lines.join("\n");
}

/** The CLI action of `fluxture node`: prints the report; exits non-zero unless the handshake completed. */
export async function runNodeCommand(target: string, flags: NodeFlags): Promise<void> {
  const report = await interrogateNode(target, flags);
  if (flags.json === true) process.stdout.write(`${safeJsonStringify(nodeReportJson(report))}\n`);
  else process.stdout.write(`${formatNodeReport(report)}\n`);
  const o = report.result.outcome;
  if (!isReachable(o)) {
    throw new NodeUnreachableError(`node ${formatHostPort(report.address, report.port)}: ${o}${report.result.detail ? `: ${report.result.detail}` : ""}`);
  }
}
