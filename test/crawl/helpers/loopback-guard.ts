// Network-safety guard for processes that run third-party networking code (bcoin) in tests: any TCP connect, UDP
// send or DNS server setting that is not loopback throws, so a library can never reach outside this machine.
import dns from "node:dns";
import dgram from "node:dgram";
import net from "node:net";

function isLoopback(host: string | undefined): boolean {
  if (host === undefined || host === "localhost") return true;
  const h = host.replace(/^\[|\]$/g, "").replace(/^::ffff:/i, "");
  return /^127\.\d+\.\d+\.\d+$/.test(h) || h === "::1";
}

/** Installs the guard in this process (idempotent); violations throw and are counted in `violations`. */
export const violations: string[] = [];

/** Patches net, dgram and dns so that only loopback destinations are possible. */
export function installLoopbackGuard(): void {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = args[0];
    const host =
      typeof first === "object" && first !== null ? (first as { host?: string; path?: string }).host : typeof args[1] === "string" ? args[1] : undefined;
    const path = typeof first === "object" && first !== null ? (first as { path?: string }).path : undefined;
    if (path === undefined && !isLoopback(host)) {
      violations.push(`tcp ${String(host)}`);
      throw new Error(`loopback guard: refusing TCP connect to ${String(host)}`);
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
  const send = dgram.Socket.prototype.send;
  dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: unknown[]) {
    const host = args.find((a, i) => i > 0 && typeof a === "string") as string | undefined;
    if (!isLoopback(host)) {
      violations.push(`udp ${String(host)}`);
      throw new Error(`loopback guard: refusing UDP send to ${String(host)}`);
    }
    return (send as (...a: unknown[]) => void).apply(this, args);
  } as typeof dgram.Socket.prototype.send;
  const guardServers = (servers: readonly string[]) => {
    for (const s of servers) {
      const host = s.startsWith("[") ? s.slice(1, s.indexOf("]")) : s.split(":").length === 2 ? s.split(":")[0] : s;
      if (!isLoopback(host)) {
        violations.push(`dns ${s}`);
        throw new Error(`loopback guard: refusing DNS server ${s}`);
      }
    }
  };
  for (const proto of [dns.Resolver.prototype, dns.promises.Resolver.prototype]) {
    const setServers = proto.setServers;
    proto.setServers = function (this: unknown, servers: readonly string[]) {
      guardServers(servers);
      return setServers.call(this, servers as string[]);
    };
  }
  const refuse = (name: string) => () => {
    violations.push(`dns ${name}`);
    throw new Error(`loopback guard: refusing system DNS ${name}`);
  };
  dns.resolve4 = refuse("resolve4") as unknown as typeof dns.resolve4;
  dns.resolve6 = refuse("resolve6") as unknown as typeof dns.resolve6;
  dns.promises.resolve4 = refuse("resolve4") as unknown as typeof dns.promises.resolve4;
  dns.promises.resolve6 = refuse("resolve6") as unknown as typeof dns.promises.resolve6;
}
