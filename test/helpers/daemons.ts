// Real overlay daemons for tests: Debian's tor and i2pd started on loopback in a temporary data folder, wired
// so they can never reach beyond loopback (tor only knows a bridge at 127.0.0.1:1; i2pd has no transports and
// reseed only from 127.0.0.1:1, so no router to talk to), whether or not the test runs in a private network namespace.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free TCP port on 127.0.0.1 (bound then released: the daemon binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A running daemon: its port, its log text, stop. */
export interface Daemon {
  readonly port: number;
  readonly dir: string;
  log(): Promise<string>;
  stop(): Promise<void>;
}

function waitFor(child: ChildProcess, logFile: string | undefined, pattern: RegExp, what: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`${what} did not start within ${ms} ms: ${out.slice(-2000)}`)), ms);
    const check = () => {
      if (pattern.test(out)) finish();
    };
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      check();
    });
    child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
    child.once("exit", (code) => finish(new Error(`${what} exited (${code}) during start: ${out.slice(-2000)}`)));
    const poll = setInterval(() => {
      if (logFile === undefined) return;
      readFile(logFile, "utf8").then(
        (t) => {
          out = t;
          check();
        },
        () => undefined,
      );
    }, 100);
  });
}

/** Stops the daemon with `signal` (SIGKILL after 5 s), then deletes its folder. */
function stopper(child: ChildProcess, dir: string, signal: NodeJS.Signals = "SIGTERM"): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill(signal);
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };
}

/** Starts Debian's tor as a SOCKS5 client on a free loopback port; `socksTimeoutS` is its SocksTimeout. */
export async function startTor(socksTimeoutS = 120): Promise<Daemon> {
  const dir = await mkdtemp(join(tmpdir(), "fluxture-tor-"));
  const port = await freePort();
  const torrc = join(dir, "torrc");
  await writeFile(torrc, ""); // everything is on the command line; no system torrc is read
  const child = spawn(
    "tor",
    [
      ...["--DataDirectory", join(dir, "data"), "--SocksPort", `127.0.0.1:${port} ExtendedErrors IsolateSOCKSAuth`, "--ControlPort", "0"],
      ...["--UseBridges", "1", "--Bridge", "127.0.0.1:1", "--ClientOnly", "1", "--AvoidDiskWrites", "1"],
      ...["--SocksTimeout", String(socksTimeoutS), "--Log", "notice stdout", "--RunAsDaemon", "0", "-f", torrc, "--defaults-torrc", torrc],
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let text = "";
  child.stdout.on("data", (c: Buffer) => (text += c.toString()));
  try {
    await waitFor(child, undefined, /Opened Socks listener/, "tor", 30_000);
  } catch (err) {
    await stopper(child, dir)();
    throw err;
  }
  return { port, dir, log: async () => text, stop: stopper(child, dir) };
}

/** Starts Debian's i2pd with only its SAM bridge, on a free loopback port, with no router to reach (reseed from 127.0.0.1:1 only). */
export async function startI2pd(): Promise<Daemon> {
  const dir = await mkdtemp(join(tmpdir(), "fluxture-i2pd-"));
  const port = await freePort();
  const logFile = join(dir, "i2pd.log");
  const child = spawn(
    "i2pd",
    [
      ...[`--datadir=${join(dir, "data")}`, "--conf=/dev/null", "--tunconf=/dev/null", `--logfile=${logFile}`, "--log=file", "--loglevel=info"],
      ...["--sam.enabled=true", "--sam.address=127.0.0.1", `--sam.port=${port}`],
      ...[
        "--ssu2.enabled=false",
        "--ntcp2.published=false",
        "--host=127.0.0.1",
        "--upnp.enabled=false",
        "--reseed.urls=http://127.0.0.1:1/",
        "--reseed.verify=false",
      ],
      ...["--http.enabled=false", "--httpproxy.enabled=false", "--socksproxy.enabled=false", "--bob.enabled=false", "--i2cp.enabled=false"],
      ...["--i2pcontrol.enabled=false", "--addressbook.enabled=false"],
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  try {
    await waitFor(child, logFile, /SAM/, "i2pd", 30_000);
    // the log line can precede the listen call by a moment: wait until the port accepts
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) => {
        const s = createServer();
        s.once("error", () => r(true)); // in use: i2pd holds it
        s.listen(port, "127.0.0.1", () => s.close(() => r(false)));
      });
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stopper(child, dir)();
    throw err;
  }
  // SIGKILL: nothing of it is kept (its folder is deleted next), and its own shutdown waits 1–5 s on its tunnels
  return { port, dir, log: () => readFile(logFile, "utf8").catch(() => ""), stop: stopper(child, dir, "SIGKILL") };
}
