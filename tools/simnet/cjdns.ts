// CJDNS peers' addresses on loopback: a CJDNS peer listens on its own fc00:: address (as a node listens on its
// cjdns tun interface), which must exist on an interface before anything can bind it. `cjdnsOnLo` adds them to
// lo, only ever inside a private network namespace (`unshare -rn`), as the blackhole does with iptables.
import { spawn } from "node:child_process";
import { FluxtureError } from "../../lib/errors.ts";
import { inPrivateNetns, netnsInterfaces } from "./blackhole.ts";

/** The addresses could not be added (not in a private namespace, no `ip`, not permitted). */
export class CjdnsAddressError extends FluxtureError {}

/** `ip -6 -batch` lines adding (verb "add") or removing ("del") each address as a /128 on lo (nodad: usable at once). */
export function cjdnsAddressCommands(addresses: readonly string[], verb: "add" | "del" = "add"): string[] {
  return addresses.map((a) => `addr ${verb} ${a}/128 dev lo${verb === "add" ? " nodad" : ""}`);
}

function ipBatch(lines: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("ip", ["-6", "-batch", "-"], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(err.trim().split("\n")[0] || `ip exited with ${code}`))));
    child.stdin.end(`${lines.join("\n")}\n`);
  });
}

/** Adds `addresses` to lo; returns a function that removes them. */
export async function addCjdnsAddresses(addresses: readonly string[]): Promise<() => Promise<void>> {
  if (addresses.length === 0) return async () => undefined;
  const ifaces = netnsInterfaces();
  if (!inPrivateNetns(ifaces)) {
    throw new CjdnsAddressError(
      `--cjdns-on-lo only works inside a private network namespace (unshare -rn, loopback up); this one has ${ifaces.join(", ") || "no readable interfaces"}`,
    );
  }
  try {
    await ipBatch(cjdnsAddressCommands(addresses));
  } catch (err) {
    throw new CjdnsAddressError(`could not add the CJDNS peers' addresses to lo: ${(err as Error).message} (install Debian's iproute2)`);
  }
  return async () => {
    await ipBatch(cjdnsAddressCommands(addresses, "del")).catch(() => undefined);
  };
}
