// Blackholing the nothing-listens pool: an iptables rule drops SYNs to it, so a crawler's connects there time out
// (as to mainnet's unreachable addresses) instead of being refused at once by loopback. Only ever inside a private
// network namespace (`unshare -rn`, loopback the only interface): this code never touches a real host's firewall.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { FluxtureError } from "../../lib/errors.ts";

const run = promisify(execFile);

/** The blackhole could not be set up (not in a private namespace, no iptables, not permitted). */
export class BlackholeError extends FluxtureError {}

/** Interfaces of this process's network namespace (/proc/self/net/dev is per namespace; /sys/class/net is not). */
export function netnsInterfaces(devText?: string): string[] {
  let text = devText;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/net/dev", "utf8");
    } catch {
      return [];
    }
  }
  return text
    .split("\n")
    .slice(2)
    .map((l) => l.split(":")[0]!.trim())
    .filter((n) => n !== "");
}

/** True when loopback is the namespace's only interface (a private namespace such as `unshare -rn`'s). */
export function inPrivateNetns(interfaces: readonly string[] = netnsInterfaces()): boolean {
  return interfaces.length === 1 && interfaces[0] === "lo";
}

/** The iptables arguments of the rule for `[first, last]`, minus the -A/-D verb. */
export function blackholeRule(range: readonly [string, string]): string[] {
  return ["OUTPUT", "-p", "tcp", "--syn", "-m", "iprange", "--dst-range", `${range[0]}-${range[1]}`, "-j", "DROP"];
}

/** Adds the rule; returns a function that removes it. */
export async function blackhole(range: readonly [string, string]): Promise<() => Promise<void>> {
  const ifaces = netnsInterfaces();
  if (!inPrivateNetns(ifaces)) {
    throw new BlackholeError(
      `--blackhole only works inside a private network namespace (unshare -rn, loopback up); this one has ${ifaces.join(", ") || "no readable interfaces"}`,
    );
  }
  const rule = blackholeRule(range);
  try {
    await run("iptables", ["-A", ...rule]);
  } catch (err) {
    throw new BlackholeError(`iptables could not blackhole ${range[0]}–${range[1]}: ${(err as Error).message.split("\n")[0]} (install Debian's iptables)`);
  }
  return async () => {
    await run("iptables", ["-D", ...rule]).catch(() => undefined);
  };
}
