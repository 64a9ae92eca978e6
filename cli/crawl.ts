// The crawl stage's commands: `fluxture crawl` and `fluxture node`. Flags only; the work is loaded lazily.
import { Command } from "commander";
import { dataOption, networkOption, option, parseInteger } from "./options.ts";
import { UsageError } from "../pipeline/errors.ts";
import type { NETWORK_NAMES } from "../lib/bitcoin/networks.ts";
import { RUN_ID_PATTERN } from "../pipeline/runs.ts";
import type { NodeFlags } from "../stages/crawl/node.ts";
import { DEFAULT_I2P_CONNECT_TIMEOUT_MS, DEFAULT_I2P_HANDSHAKE_TIMEOUT_MS, DEFAULT_PROXY_CONCURRENCY } from "../stages/crawl/gateways.ts";

/** Flags of `fluxture crawl`, as commander parses them. */
export interface CrawlFlags {
  network: (typeof NETWORK_NAMES)[number];
  data: string;
  seed: string[];
  seedFile?: string;
  dnsSeeds: boolean;
  dnsServer?: string;
  concurrency?: number;
  connectTimeout: number;
  proxyConnectTimeout: number;
  handshakeTimeout: number;
  getaddrTimeout?: number;
  maxNodes?: number;
  maxDuration?: number;
  bufferBudget?: number;
  dialAllow: string[];
  dialDeny: string[];
  proxy: string[];
  proxyConcurrency: number;
  i2pSam?: string;
  i2pConnectTimeout: number;
  i2pHandshakeTimeout: number;
  cjdns: boolean;
  resume?: string | true;
  previousRun: boolean;
  json?: boolean;
}

/** Appends comma/space separated values (so env twins can carry a list). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(/[\s,]+/).filter((v) => v !== "")];
}

function parseResume(value: string | boolean): string | true {
  if (value === true || value === "" || value === "true" || value === "1") return true;
  if (typeof value === "string" && RUN_ID_PATTERN.test(value)) return value;
  throw new UsageError(`--resume takes an optional run id YYYYMMDDTHHMMSSZ, got '${String(value)}'`);
}

function protocolArg(value: string | undefined): void {
  if (value !== undefined && value !== "bitcoin") throw new UsageError(`unknown protocol '${value}' (only 'bitcoin' is supported)`);
}

const ms = (flag: string) => parseInteger(flag, 1, 3_600_000);

function sessionOptions(command: Command): Command {
  return command
    .addOption(networkOption("network to crawl").default("mainnet"))
    .addOption(option("--connect-timeout <ms>", "TCP connect deadline per peer").argParser(ms("--connect-timeout")).default(5000))
    .addOption(option("--proxy-connect-timeout <ms>", "connect deadline through --proxy (Tor)").argParser(ms("--proxy-connect-timeout")).default(30_000))
    .addOption(option("--handshake-timeout <ms>", "version/verack deadline after connect").argParser(ms("--handshake-timeout")).default(10_000))
    .addOption(
      option("--getaddr-timeout <ms>", "how long to wait for the getaddr reply (default: adaptive, 160–210 s by crawl pressure)").argParser(
        ms("--getaddr-timeout"),
      ),
    )
    .addOption(option("--dial-allow <cidrs>", "only dial these CIDRs (replaces the network's default policy); repeatable").argParser(collect).default([]))
    .addOption(option("--dial-deny <cidrs>", "never dial these CIDRs; repeatable").argParser(collect).default([]))
    .addOption(
      option("--proxy <url>", "SOCKS5 proxy for .onion peers, e.g. socks5://127.0.0.1:9050; repeatable (sessions spread across them)")
        .argParser(collect)
        .default([]),
    )
    .addOption(option("--i2p-sam <host:port>", "I2P SAM v3.1 bridge for .b32.i2p peers, e.g. 127.0.0.1:7656 (i2pd, Java I2P)"))
    .addOption(
      option("--i2p-connect-timeout <ms>", "connect deadline through --i2p-sam (SAM session + STREAM CONNECT)")
        .argParser(ms("--i2p-connect-timeout"))
        .default(DEFAULT_I2P_CONNECT_TIMEOUT_MS),
    )
    .addOption(
      option("--i2p-handshake-timeout <ms>", "version/verack deadline over I2P")
        .argParser(ms("--i2p-handshake-timeout"))
        .default(DEFAULT_I2P_HANDSHAKE_TIMEOUT_MS),
    )
    .addOption(option("--cjdns", "dial CJDNS peers (allow fc00::/8; needs a CJDNS interface on this host)").default(false))
    .addOption(option("--dns-server <ip[:port]>", "DNS resolver for seeds and host names (default: the system's)"))
    .addOption(option("--json", "print the result as JSON on stdout"));
}

/** `fluxture crawl [bitcoin] …`: crawl a network from its seeds into a new run. */
export function crawlCommand(): Command {
  const command = new Command("crawl")
    .description("crawl a network from its seeds into a new run (visits.parquet, addrs.parquet)")
    .argument("[protocol]", "bitcoin (the only protocol)")
    .addOption(dataOption())
    .addOption(option("--seed <host:port>", "start from this node; repeatable").argParser(collect).default([]))
    .addOption(option("--seed-file <file>", "one HOST[:PORT] per line, # comments"))
    .addOption(option("--no-dns-seeds", "do not query the network's DNS seeds", "FLUXTURE_NO_DNS_SEEDS"))
    .addOption(option("--no-previous-run", "do not seed from the previous succeeded run's reachable nodes", "FLUXTURE_NO_PREVIOUS_RUN"))
    .addOption(
      option("-m, --concurrency <n>", "sessions at once (default: sized from the open-file limit and memory; clamped to the limit)").argParser(
        parseInteger("--concurrency", 1, 1_000_000),
      ),
    )
    .addOption(
      option("--proxy-concurrency <n>", "sessions at once per --proxy (and through --i2p-sam)")
        .argParser(parseInteger("--proxy-concurrency", 1, 100_000))
        .default(DEFAULT_PROXY_CONCURRENCY),
    )
    .addOption(option("--max-nodes <n>", "dial at most N nodes").argParser(parseInteger("--max-nodes", 1, 1_000_000_000)))
    .addOption(option("--max-duration <s>", "stop after S seconds (run sealed cancelled, resumable)").argParser(parseInteger("--max-duration", 1, 31_536_000)))
    .addOption(
      option(
        "--buffer-budget <mib>",
        "MiB all sessions together may hold in partial frames; over it reading pauses, then the largest holders are shed (default: a quarter of the memory budget)",
      ).argParser(parseInteger("--buffer-budget", 1, 1_048_576)),
    )
    .addOption(option("--resume [run_id]", "continue an interrupted run (default: the newest unfinished one)").argParser(parseResume));
  sessionOptions(command);
  return command.action(async (protocol: string | undefined, flags: CrawlFlags, self: Command) => {
    protocolArg(protocol);
    const { runCrawlCommand } = await import("./actions/crawl.ts");
    // --resume without --network looks for the run in every network (the default network is only a default)
    await runCrawlCommand(flags, self.getOptionValueSource("network") === "default");
  });
}

/** `fluxture node [bitcoin] HOST[:PORT]`: interrogate one node. */
export function nodeCommand(): Command {
  const command = new Command("node")
    .description("interrogate one node: print its version record and the addresses of its getaddr reply")
    .argument("<target...>", "[bitcoin] HOST[:PORT]");
  sessionOptions(command);
  return command.action(async (target: string[], flags: NodeFlags) => {
    if (target.length === 2) protocolArg(target[0]);
    if (target.length < 1 || target.length > 2) throw new UsageError("node takes [bitcoin] HOST[:PORT]");
    const { runNodeCommand } = await import("../stages/crawl/node.ts");
    await runNodeCommand(target[target.length - 1]!, flags);
  });
}
