// The `fluxture simnet` action: start, print the seeds, run until SIGINT/SIGTERM, stop every worker cleanly.
import { UsageError } from "../../pipeline/errors.ts";
import { log } from "../../pipeline/log.ts";
import { PROFILE_SHARES, SharesError, parseShares } from "../../tools/simnet/behaviours.ts";
import type { SimnetFlags } from "../simnet.ts";
import { startSimnet, type Simnet } from "../../tools/simnet/index.ts";
import type { SimnetOptions } from "../../tools/simnet/options.ts";
import { parseNetworkMix } from "../../tools/simnet/overlay.ts";

/** Turns parsed flags into SimnetOptions (shares parsed over the profile's). */
export function optionsFromFlags(flags: SimnetFlags): SimnetOptions {
  let shares: ReturnType<typeof parseShares> | undefined;
  if (flags.behaviours !== undefined) {
    try {
      shares = parseShares(flags.behaviours, PROFILE_SHARES[flags.profile]);
    } catch (err) {
      if (err instanceof SharesError) throw new UsageError(`--behaviours: ${err.message}`);
      throw err;
    }
  }
  const networks = flags.networkMix === undefined ? undefined : parseNetworkMix(flags.networkMix);
  if (typeof networks === "string") throw new UsageError(networks);
  return {
    nodes: flags.nodes,
    seed: flags.seed,
    base: flags.base,
    port: flags.port,
    profile: flags.profile,
    slowMs: flags.slowMs,
    seedCount: flags.seedCount,
    pingFlood: flags.pingFlood,
    replyCacheMB: flags.replyCacheMb,
    ...(flags.out === undefined ? {} : { out: flags.out }),
    ...(flags.replyDelayMs === undefined ? {} : { replyDelayMs: flags.replyDelayMs }),
    ...(shares === undefined ? {} : { shares }),
    ...(flags.epoch === undefined ? {} : { epoch: flags.epoch }),
    ...(flags.workers === undefined ? {} : { workers: flags.workers }),
    ...(flags.blackhole === true ? { blackhole: true } : {}),
    ...(flags.cjdnsOnLo === true ? { cjdnsOnLo: true } : {}),
    ...(networks === undefined ? {} : { networks }),
    overlayLatency: flags.overlayLatency,
    ...(flags.torGateway === undefined ? {} : { torGateway: flags.torGateway }),
    ...(flags.i2pGateway === undefined ? {} : { i2pGateway: flags.i2pGateway }),
  };
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      // A second signal while shutting down means "now".
      const force = () => process.exit(130);
      process.once("SIGINT", force);
      process.once("SIGTERM", force);
      resolve(sig);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** Runs the simnet in the foreground until SIGINT/SIGTERM. */
export async function runSimnet(flags: SimnetFlags): Promise<void> {
  const opts = optionsFromFlags(flags);
  const signalled = waitForSignal();
  const t0 = performance.now();
  const simnet: Simnet = await startSimnet(opts);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const { config, model } = simnet;
  log(
    "info",
    `simnet: ${config.nodes} peers listening on ${model.layout.describe()} (${simnet.workers === 0 ? "in-process" : `${simnet.workers} worker processes`}, ` +
      `profile ${config.profile}, seed ${config.seed}) in ${seconds} s${opts.out === undefined ? "" : `; ground truth in ${opts.out}`}; Ctrl-C to stop`,
  );
  if (simnet.torGateway !== undefined)
    log("info", `simnet: onion peers through the SOCKS5 gateway ${simnet.torGateway} (crawl --proxy socks5://${simnet.torGateway})`);
  if (simnet.i2pGateway !== undefined) log("info", `simnet: I2P peers through the SAM bridge ${simnet.i2pGateway} (crawl --i2p-sam ${simnet.i2pGateway})`);
  if (model.hasOverlays && (simnet.torGateway === undefined || simnet.i2pGateway === undefined)) {
    log("warn", "simnet: some onion or I2P peers have no gateway (--tor-gateway, --i2p-gateway): a crawler cannot reach them");
  }
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({
        nodes: config.nodes,
        seed: config.seed,
        base: config.base,
        port: config.port,
        profile: config.profile,
        workers: simnet.workers,
        out: opts.out ?? null,
        seeds: simnet.seeds,
        tor_gateway: simnet.torGateway ?? null,
        i2p_gateway: simnet.i2pGateway ?? null,
      })}\n`,
    );
  } else {
    process.stdout.write(`${simnet.seeds.join("\n")}\n`);
  }
  const sig = await signalled;
  log("info", `simnet: ${sig}: stopping`);
  const stats = await simnet.stats();
  await simnet.stop();
  log("info", `simnet: stopped after ${stats.accepted} connections, ${stats.handshakes} handshakes, ${stats.replies} getaddr replies`);
}
