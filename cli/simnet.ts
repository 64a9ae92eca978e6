// `fluxture simnet`: starts a simulated Bitcoin network on loopback and runs until SIGINT/SIGTERM.
import { Command } from "commander";
import { option, parseChoice, parseInteger } from "./options.ts";

const PROFILE_NAMES = ["realistic", "fast", "hostile", "mainnet", "flood"] as const;

/** Parsed flags of `fluxture simnet`. */
export interface SimnetFlags {
  nodes: number;
  seed: number;
  base: string;
  port: number;
  out?: string;
  replyDelayMs?: number;
  profile: (typeof PROFILE_NAMES)[number];
  behaviours?: string;
  slowMs: number;
  epoch?: number;
  seedCount: number;
  pingFlood: number;
  workers?: number;
  replyCacheMb: number;
  blackhole?: boolean;
  cjdnsOnLo?: boolean;
  networkMix?: string;
  overlayLatency: "realistic" | "fast";
  torGateway?: string;
  i2pGateway?: string;
  json?: boolean;
}

/** The `simnet` command, registered by the CLI. Its env twins are FLUXTURE_SIMNET_* so that, say, the
 * crawl's FLUXTURE_SEED never leaks into the simnet's --seed. */
export function simnetCommand(): Command {
  return new Command("simnet")
    .description(
      "start a simulated Bitcoin network on loopback (regtest magic fabfb5da): N peers on their own 127.x.y.z " +
        "addresses with realistic version records, address managers and hostile behaviours; prints the seed " +
        "addresses and runs until SIGINT/SIGTERM",
    )
    .addOption(
      option("--nodes <n>", "number of peers", "FLUXTURE_SIMNET_NODES")
        .argParser(parseInteger("--nodes", 1, 1_000_000))
        .default(1000),
    )
    .addOption(
      option("--seed <s>", "PRNG seed: the same seed gives the same network and ground truth", "FLUXTURE_SIMNET_SEED")
        .argParser(parseInteger("--seed", 0, 0xffffffff))
        .default(1),
    )
    .addOption(option("--base <ip>", "first address, a .0 inside 127.0.0.0/8", "FLUXTURE_SIMNET_BASE").default("127.42.0.0"))
    .addOption(
      option("--port <p>", "port the peers listen on (3% use the next one)", "FLUXTURE_SIMNET_PORT")
        .argParser(parseInteger("--port", 1, 65535))
        .default(18444),
    )
    .addOption(option("--out <dir>", "write ground-truth.json, simnet-city.mmdb, simnet-asn.mmdb, seeds.txt and a ready marker here", "FLUXTURE_SIMNET_OUT"))
    .addOption(
      option(
        "--reply-delay-ms <mean>",
        "mean getaddr reply delay of honest peers (default: the profile's; 0 = immediate)",
        "FLUXTURE_SIMNET_REPLY_DELAY_MS",
      ).argParser(parseInteger("--reply-delay-ms", 0, 600_000)),
    )
    .addOption(
      option("--profile <name>", `behaviour mix: ${PROFILE_NAMES.join("|")}`)
        .argParser(parseChoice("--profile", PROFILE_NAMES))
        .default("realistic"),
    )
    .addOption(
      option("--behaviours <shares>", "override shares, e.g. honest=0.9,slow=0.02 (the rest of the profile is rescaled)", "FLUXTURE_SIMNET_BEHAVIOURS"),
    )
    .addOption(
      option("--slow-ms <ms>", "how late slow peers answer getaddr", "FLUXTURE_SIMNET_SLOW_MS")
        .argParser(parseInteger("--slow-ms", 0, 600_000))
        .default(3000),
    )
    .addOption(
      option("--epoch <unix_s>", "time advertised timestamps count back from (default: today 00:00 UTC)", "FLUXTURE_SIMNET_EPOCH").argParser(
        parseInteger("--epoch", 950_400, 0xffffffff),
      ),
    )
    .addOption(
      option("--seed-count <n>", "how many seed addresses to print", "FLUXTURE_SIMNET_SEED_COUNT")
        .argParser(parseInteger("--seed-count", 1, 1000))
        .default(8),
    )
    .addOption(
      option("--ping-flood <n>", "pings a ping_flood peer sends after the handshake", "FLUXTURE_SIMNET_PING_FLOOD")
        .argParser(parseInteger("--ping-flood", 1, 100_000))
        .default(2000),
    )
    .addOption(
      option("--reply-cache-mb <n>", "MiB of encoded getaddr replies each serving process keeps (0 = encode every time)", "FLUXTURE_SIMNET_REPLY_CACHE_MB")
        .argParser(parseInteger("--reply-cache-mb", 0, 4096))
        .default(64),
    )
    .addOption(
      option("--workers <n>", "worker processes (0 = this process; default 0 up to 4000 peers, else one per 12,500)", "FLUXTURE_SIMNET_WORKERS").argParser(
        parseInteger("--workers", 0, 64),
      ),
    )
    .addOption(
      option(
        "--blackhole",
        "drop SYNs to the nothing-listens addresses with iptables so connects time out (only inside unshare -rn)",
        "FLUXTURE_SIMNET_BLACKHOLE",
      ),
    )
    .addOption(
      option("--cjdns-on-lo", "add the CJDNS peers' fc00:: addresses to lo so they can listen there (only inside unshare -rn)", "FLUXTURE_SIMNET_CJDNS_ON_LO"),
    )
    .addOption(
      option(
        "--network-mix <shares>",
        "peers per network, e.g. ipv4=0.3,ipv6=0.05,onion_v3=0.6,i2p=0.05,cjdns=0 (default: all IPv4; the mainnet profile's is that one; CJDNS peers listen on fc00:: addresses: see --cjdns-on-lo)",
        "FLUXTURE_SIMNET_NETWORK_MIX",
      ),
    )
    .addOption(
      option("--overlay-latency <name>", "gateway behaviour: realistic (Tor/I2P latencies, 8% failed) or fast", "FLUXTURE_SIMNET_OVERLAY_LATENCY")
        .argParser(parseChoice("--overlay-latency", ["realistic", "fast"] as const))
        .default("realistic"),
    )
    .addOption(option("--tor-gateway <ip:port>", "start a SOCKS5 gateway to the onion peers here (port 0: any free port)", "FLUXTURE_SIMNET_TOR_GATEWAY"))
    .addOption(option("--i2p-gateway <ip:port>", "start a SAM v3.1 bridge to the I2P peers here (port 0: any free port)", "FLUXTURE_SIMNET_I2P_GATEWAY"))
    .addOption(option("--json", "print one JSON summary line instead of one seed per line", "FLUXTURE_SIMNET_JSON"))
    .action(async (flags: SimnetFlags) => {
      const { runSimnet } = await import("./actions/simnet.ts");
      await runSimnet(flags);
    });
}
