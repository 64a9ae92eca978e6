// Public entry of the simnet stage: start a simulated Bitcoin network on loopback (in this process for
// small nets, in worker processes for large ones), optionally write its ground truth, and stop it.
import { FROM_SOURCES } from "../../lib/package-root.ts";
import { fork, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FluxtureError, UsageError } from "../../pipeline/errors.ts";
import { isIP } from "node:net";
import { writeFileAtomic } from "../../pipeline/fsutil.ts";
import { log } from "../../pipeline/log.ts";
import { emptyStats, type HostStats } from "./conversation.ts";
import { SIMNET_MAGIC } from "./frames.ts";
import { writeGeoDatabases } from "./geo.ts";
import { writeGroundTruth } from "./ground-truth.ts";
import { ListenError, startHost, type Host } from "./host.ts";
import { SimnetModel, type SimnetConfig } from "./model.ts";
import { resolveConfig, resolveWorkers, type SimnetOptions } from "./options.ts";
import { blackhole } from "./blackhole.ts";
import { addCjdnsAddresses } from "./cjdns.ts";
import { startSamBridge } from "./sam-bridge.ts";
import { startTorGateway, type OverlayGateway } from "./tor-gateway.ts";
import type { GatewayStats } from "./relay.ts";
import { processUsage, type FromWorker, type ProcessUsage, type ToWorker } from "./ipc.ts";

export type { SimnetOptions } from "./options.ts";
export type { SimnetConfig } from "./model.ts";
export { SimnetModel } from "./model.ts";
export { BEHAVIOURS, PROFILES, PROFILE_SHARES, parseShares, type Behaviour, type ProfileName, type Shares } from "./behaviours.ts";
export { SIMNET_MAGIC, SIMNET_PORT } from "./frames.ts";
export { readGroundTruth, type GroundTruth, type GroundTruthPeer, type AdvertisedTuple } from "./ground-truth.ts";

/** Files `--out DIR` holds. */
export const OUT_FILES = {
  groundTruth: "ground-truth.json",
  seeds: "seeds.txt",
  ready: "ready",
  city: "simnet-city.mmdb",
  asn: "simnet-asn.mmdb",
} as const;

/** Counters summed over every serving process, plus each process's resource use. */
export interface SimnetStats extends HostStats {
  readonly processes: readonly ProcessUsage[];
}

/** A running simnet. */
export interface Simnet {
  /** Seed addresses (`HOST:PORT`), like a DNS seed's answer: honest peers from which every peer is discoverable. */
  readonly seeds: readonly string[];
  /** `<out>/ground-truth.json` when `out` was given. */
  readonly groundTruthPath?: string;
  readonly config: SimnetConfig;
  /** The model every peer answers from (ground truth can be computed from it without the file). */
  readonly model: SimnetModel;
  /** Worker processes serving the peers (0: this process). */
  readonly workers: number;
  /** `HOST:PORT` of the SOCKS5 gateway to the onion peers, when started (`torGateway`). */
  readonly torGateway?: string;
  /** `HOST:PORT` of the SAM v3.1 bridge to the I2P peers, when started (`i2pGateway`). */
  readonly i2pGateway?: string;
  /** Counters of the gateways that run. */
  gatewayStats(): { tor?: GatewayStats; i2p?: GatewayStats };
  stats(): Promise<SimnetStats>;
  /** Stops every peer and worker and removes `<out>/ready`; idempotent. */
  stop(): Promise<void>;
}

/** A worker process that failed to start or died. */
export class SimnetWorkerError extends FluxtureError {}

// the worker beside this file: worker.ts through tsx from the sources, worker.js from the compiled package
const WORKER_PATH = fileURLToPath(new URL(FROM_SOURCES ? "./worker.ts" : "./worker.js", import.meta.url));
const WORKER_EXEC_ARGV = FROM_SOURCES ? ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href] : [];
const STOP_GRACE_MS = 5000;

/** One child process serving a slice. */
class WorkerHandle {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  private pendingStats: ((m: Extract<FromWorker, { type: "stats" }>) => void)[] = [];
  exited = false;
  private stopping = false;
  private started = false;

  constructor(config: SimnetConfig, from: number, to: number, socketDir: string | undefined) {
    this.child = fork(WORKER_PATH, [], { execArgv: WORKER_EXEC_ARGV, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const exit = new Promise<never>((_, reject) => {
      this.child.once("exit", (code, signal) => {
        this.exited = true;
        const err = new SimnetWorkerError(`simnet worker for peers ${from}–${to - 1} exited (${signal ?? `code ${code}`})`);
        if (this.started && !this.stopping) log("error", `${err.message}: its peers no longer answer`);
        reject(err);
      });
    });
    exit.catch(() => undefined);
    this.ready = Promise.race([
      exit,
      new Promise<void>((resolve, reject) => {
        this.child.on("message", (m: FromWorker) => {
          if (m.type === "ready") {
            this.started = true;
            resolve();
          } else if (m.type === "error") reject(new SimnetWorkerError(m.message));
          else if (m.type === "stats") this.pendingStats.shift()?.(m);
        });
      }),
    ]);
    this.child.send({ type: "start", config, from, to, ...(socketDir === undefined ? {} : { socketDir }) } satisfies ToWorker);
  }

  prewarm(): void {
    if (!this.exited) this.child.send({ type: "prewarm" } satisfies ToWorker);
  }

  stats(): Promise<Extract<FromWorker, { type: "stats" }> | undefined> {
    if (this.exited) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.pendingStats.push(resolve);
      this.child.send({ type: "stats" } satisfies ToWorker);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    try {
      this.child.send({ type: "stop" } satisfies ToWorker);
    } catch {
      /* channel already closed: the kill below still ends it */
    }
    const timer = setTimeout(() => this.child.kill("SIGKILL"), STOP_GRACE_MS);
    await gone;
    clearTimeout(timer);
  }
}

function sumStats(parts: readonly HostStats[]): HostStats {
  const out = emptyStats();
  for (const p of parts) for (const k of Object.keys(out) as (keyof HostStats)[]) out[k] += p[k];
  return out;
}

/** Parses a gateway's `HOST:PORT` (IP literal host; port 0 = any free port). */
function gatewayAddress(text: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || isIP(host) === 0 || port > 65535) throw new UsageError(`${flag} must be IP:PORT (port 0: any free port), got '${text}'`);
  return { host, port };
}

/** Starts a simnet (see SimnetOptions); resolves once every peer listens and every `out` file is written. */
export async function startSimnet(opts: SimnetOptions): Promise<Simnet> {
  const config = resolveConfig(opts);
  const workerCount = resolveWorkers(config.nodes, opts.workers);
  const model = new SimnetModel(config);
  let host: Host | undefined;
  const workers: WorkerHandle[] = [];
  const unblock = opts.blackhole === true ? await blackhole(model.layout.deadRange()) : undefined;
  const removeCjdns =
    opts.cjdnsOnLo === true
      ? await addCjdnsAddresses(model.cjdnsAddresses()).catch(async (err: unknown) => {
          await unblock?.();
          throw err;
        })
      : undefined;
  // Onion and I2P peers listen on Unix sockets here (short path: sun_path holds 107 bytes).
  const socketDir = model.hasOverlays ? await mkdtemp(join(tmpdir(), "fxsim-")) : undefined;
  const gateways: OverlayGateway[] = [];
  let tor: OverlayGateway | undefined;
  let i2p: OverlayGateway | undefined;
  const stopAll = async (): Promise<void> => {
    await Promise.all([host?.close(), ...workers.map((w) => w.stop()), ...gateways.map((g) => g.close())]);
    await unblock?.();
    await removeCjdns?.();
    if (socketDir !== undefined) await rm(socketDir, { recursive: true, force: true });
  };
  let listening: Promise<unknown>;
  if (workerCount === 0) {
    listening = startHost(model, 0, config.nodes, socketDir).then((h) => (host = h));
  } else {
    const per = Math.ceil(config.nodes / workerCount);
    for (let from = 0; from < config.nodes; from += per) workers.push(new WorkerHandle(config, from, Math.min(config.nodes, from + per), socketDir));
    listening = Promise.all(workers.map((w) => w.ready));
  }
  listening.catch(() => undefined);
  let groundTruthPath: string | undefined;
  try {
    if (opts.out !== undefined) {
      await mkdir(opts.out, { recursive: true });
      await rm(join(opts.out, OUT_FILES.ready), { force: true });
      const geo = await writeGeoDatabases(opts.out, model);
      groundTruthPath = join(opts.out, OUT_FILES.groundTruth);
      await writeGroundTruth(groundTruthPath, model, SIMNET_MAGIC, geo);
      await writeFileAtomic(join(opts.out, OUT_FILES.seeds), `${model.seeds().join("\n")}\n`);
    }
    await listening;
    if (opts.torGateway !== undefined) {
      const { host: h, port: p } = gatewayAddress(opts.torGateway, "--tor-gateway");
      tor = await startTorGateway(model, socketDir ?? tmpdir(), h, p).catch((err: unknown) => {
        throw new ListenError(`cannot listen on --tor-gateway ${opts.torGateway}: ${err instanceof Error ? err.message : String(err)}`);
      });
      gateways.push(tor);
    }
    if (opts.i2pGateway !== undefined) {
      const { host: h, port: p } = gatewayAddress(opts.i2pGateway, "--i2p-gateway");
      i2p = await startSamBridge(model, socketDir ?? tmpdir(), h, p).catch((err: unknown) => {
        throw new ListenError(`cannot listen on --i2p-gateway ${opts.i2pGateway}: ${err instanceof Error ? err.message : String(err)}`);
      });
      gateways.push(i2p);
    }
    if (opts.out !== undefined) {
      const marker = {
        pid: process.pid,
        started_at: new Date().toISOString(),
        nodes: config.nodes,
        seeds: model.seeds(),
        ...(tor ? { tor_gateway: tor.address } : {}),
        ...(i2p ? { i2p_gateway: i2p.address } : {}),
      };
      await writeFileAtomic(join(opts.out, OUT_FILES.ready), `${JSON.stringify(marker)}\n`);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  // Only now, with every peer up and every file written, do the processes spend CPU on their reply caches.
  host?.prewarm();
  for (const w of workers) w.prewarm();
  let stopped: Promise<void> | undefined;
  return {
    seeds: model.seeds(),
    ...(groundTruthPath === undefined ? {} : { groundTruthPath }),
    config,
    model,
    workers: workerCount,
    ...(tor ? { torGateway: tor.address } : {}),
    ...(i2p ? { i2pGateway: i2p.address } : {}),
    gatewayStats: () => ({ ...(tor ? { tor: { ...tor.stats } } : {}), ...(i2p ? { i2p: { ...i2p.stats } } : {}) }),
    async stats(): Promise<SimnetStats> {
      if (host) return { ...host.stats, processes: [processUsage()] };
      const got = (await Promise.all(workers.map((w) => w.stats()))).filter((s) => s !== undefined);
      return { ...sumStats(got.map((g) => g.stats)), processes: got.map((g) => g.usage) };
    },
    stop(): Promise<void> {
      stopped ??= (async () => {
        if (opts.out !== undefined) await rm(join(opts.out, OUT_FILES.ready), { force: true });
        await stopAll();
      })();
      return stopped;
    },
  };
}
