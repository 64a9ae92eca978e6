// The overlay gateways of a crawl: SOCKS5 proxies for Tor (sessions spread across them, each under a concurrency
// cap, each session with its own credential) and the I2P SAM session; plus how each network type is routed.
import { log } from "../../pipeline/log.ts";
import type { FrontierItem } from "./frontier.ts";
import type { DialPolicy } from "./policy.ts";
import type { SamSession } from "./sam.ts";
import type { ProxyAddress, SocksAuth } from "./socks5.ts";

/** Sessions one Tor client carries well at once. Open streams are cheap for tor; what it limits is circuits being
 * built (MaxClientCircuitsPending, 32). Each isolated onion session builds ~3 (descriptor fetch, introduction,
 * rendezvous; ~1 s each on the live network) and then idles ~30 s on Core's getaddr timer, so by Little's law N
 * sessions keep ≈ N / 35 s × 3 × 1 s ≈ N / 12 circuits pending: 256 → ~22, under 32 with room for slower builds;
 * 512 → ~43, where tor queues builds and connects only get slower. More throughput: more tor clients (--proxy). */
export const DEFAULT_PROXY_CONCURRENCY = 256;

/** Default connect deadline through the SAM bridge: session creation plus STREAM CONNECT, which waits for the
 * peer's lease set lookup and a tunnel round trip (typically 5–30 s on the live network). */
export const DEFAULT_I2P_CONNECT_TIMEOUT_MS = 60_000;
/** Default version/verack deadline over I2P: each message crosses two tunnels of 1–3 hops (~1–3 s per round trip). */
export const DEFAULT_I2P_HANDSHAKE_TIMEOUT_MS = 30_000;

/** One gateway (a SOCKS5 proxy or the SAM bridge): its cap, live sessions, and whether it last worked. */
export interface Gateway {
  readonly label: string;
  readonly cap: number;
  active: number;
  healthy: boolean;
  /** When the last health change was logged (ms since epoch): at most one line a minute per gateway. */
  loggedAt?: number;
}

/** A SOCKS5 proxy gateway. */
export interface ProxyGateway extends Gateway {
  readonly proxy: ProxyAddress;
}

/** The SAM bridge gateway. */
export interface SamGateway extends Gateway {
  readonly session: SamSession;
}

/** How an endpoint is handled: dialled directly, through a gateway kind, or recorded with an outcome and reason. */
export type Route =
  | { readonly kind: "dial"; readonly via: "direct" | "tor" | "i2p" }
  | { readonly kind: "record"; readonly outcome: "not_dialed" | "unsupported_network"; readonly detail: string };

/** The crawl's gateways. */
export class Gateways {
  readonly proxies: readonly ProxyGateway[];
  readonly sam: SamGateway | undefined;
  private credential = 0;
  private readonly tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;

  constructor(proxies: readonly ProxyAddress[], sam: SamSession | undefined, cap: number) {
    this.proxies = proxies.map((proxy) => ({
      proxy,
      label: `socks5://${proxy.host.includes(":") ? `[${proxy.host}]` : proxy.host}:${proxy.port}`,
      cap,
      active: 0,
      healthy: true,
    }));
    this.sam = sam === undefined ? undefined : { session: sam, label: `SAM ${sam.bridge.host}:${sam.bridge.port}`, cap, active: 0, healthy: true };
  }

  /** Decides how to reach an endpoint under the dial policy and the gateways configured. */
  route(item: Pick<FrontierItem, "networkType" | "address" | "port">, policy: DialPolicy): Route {
    switch (item.networkType) {
      case "ipv4":
      case "ipv6":
        if (item.port === 0) return { kind: "record", outcome: "not_dialed", detail: "port 0 is not dialable" };
        if (!policy.allows(item.address)) return { kind: "record", outcome: "not_dialed", detail: `outside the dial policy (${policy.describe()})` };
        return { kind: "dial", via: "direct" };
      case "onion_v3":
        if (this.proxies.length === 0) return { kind: "record", outcome: "unsupported_network", detail: "onion addresses need --proxy socks5://HOST:PORT" };
        return { kind: "dial", via: "tor" };
      case "onion_v2":
        return { kind: "record", outcome: "unsupported_network", detail: "TorV2 onion services no longer exist on the Tor network" };
      case "cjdns":
        // CJDNS addresses are IPv6 text in fc00::/8: reachable only over a CJDNS interface (--cjdns or --dial-allow).
        if (item.port !== 0 && policy.allows(item.address)) return { kind: "dial", via: "direct" };
        return { kind: "record", outcome: "unsupported_network", detail: "no CJDNS route (--cjdns allows fc00::/8 if this host has a CJDNS interface)" };
      case "i2p":
        if (this.sam === undefined)
          return { kind: "record", outcome: "unsupported_network", detail: "I2P addresses need --i2p-sam HOST:PORT (a SAM v3.1 bridge)" };
        // SAM 3.1 has no ports: Core only dials I2P peers on port 0 and refuses others.
        if (item.port !== 0)
          return { kind: "record", outcome: "not_dialed", detail: `I2P peers are dialled on port 0 only (SAM 3.1 has no ports), not ${item.port}` };
        return { kind: "dial", via: "i2p" };
    }
  }

  /** The gateway a new session on `via` should use, or undefined when every candidate is at its cap. Healthy
   * proxies are preferred; when none is healthy the dead ones are still used, so their sessions fail fast. */
  acquire(via: "tor" | "i2p"): Gateway | undefined {
    const g = this.candidate(via);
    if (g !== undefined) g.active++;
    return g;
  }

  /** Whether a session on `via` could start now (exactly when acquire would return a gateway). */
  hasRoom(via: "tor" | "i2p"): boolean {
    return this.candidate(via) !== undefined;
  }

  private candidate(via: "tor" | "i2p"): Gateway | undefined {
    if (via === "i2p") return this.sam !== undefined && this.sam.active < this.sam.cap ? this.sam : undefined;
    const anyHealthy = this.proxies.some((p) => p.healthy);
    let best: ProxyGateway | undefined;
    for (const p of this.proxies) {
      if (p.active >= p.cap || (anyHealthy && !p.healthy)) continue;
      if (best === undefined || p.active < best.active) best = p;
    }
    return best;
  }

  /** Ends a session on `g`; a proxy_error marks it unhealthy with one log line, anything else healthy again. */
  release(g: Gateway, outcome: string, detail: string | null): void {
    g.active--;
    const now = Date.now();
    const quiet = g.loggedAt !== undefined && now - g.loggedAt < 60_000;
    if (outcome === "proxy_error") {
      if (g.healthy && !quiet) {
        g.loggedAt = now;
        log("warn", `${g.label} failed (${detail ?? "proxy error"}): its sessions end proxy_error until it answers again`);
      }
      g.healthy = false;
    } else if (outcome !== "cancelled" && !g.healthy) {
      g.healthy = true;
      if (!quiet) {
        g.loggedAt = now;
        log("info", `${g.label} answers again`);
      }
    }
  }

  /** A fresh SOCKS5 credential: Tor's IsolateSOCKSAuth puts every session on its own circuit. */
  nextCredential(): SocksAuth {
    return { username: `fluxture-${this.tag}-${++this.credential}`, password: "fluxture" };
  }

  /** Closes the SAM session. */
  close(): void {
    this.sam?.session.close();
  }
}

/** The proxy of a gateway acquired for "tor". */
export function isProxyGateway(g: Gateway): g is ProxyGateway {
  return "proxy" in g;
}
