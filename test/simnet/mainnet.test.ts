// End to end on a small mainnet-shaped simnet (issue 13): Core-like uncapped exponential reply timer (a small mean
// here so the test takes seconds), ~3 nothing-listens addresses per peer blackholed with iptables so their connects
// time out. The child runs in its own network namespace (unshare -rn), so it never touches this host's firewall.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

interface Result {
  rules: string;
  deadCount: number;
  outcomes: { kind: string; outcome: string; n: number }[];
  okVisits: { address: string; port: number }[];
  inReply: { source_address: string; source_port: number; in_reply: number; self_not_in_reply: number; self_in_reply: number }[];
  replies: Record<string, number>;
  behaviours: Record<string, string>;
  summary: { state: string; stoppedBy: string };
}

const NODES = 300;
const REPLY_MEAN_MS = 250;
const GETADDR_TIMEOUT_MS = 5000; // 20 means: P(a reply later) = e^-20 per peer

test("mainnet-shaped simnet in a namespace: every reply captured and in_reply, self-announcements not, blackholed addresses time out", async () => {
  const { stdout } = await promisify(execFile)(
    "unshare",
    [
      "-rn",
      process.execPath,
      "--import",
      "tsx",
      "test/simnet/helpers/mainnet-census.ts",
      JSON.stringify({ nodes: NODES, replyDelayMs: REPLY_MEAN_MS, getaddrTimeoutMs: GETADDR_TIMEOUT_MS, connectTimeoutMs: 700 }),
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const r = JSON.parse(stdout.trim().split("\n").at(-1)!) as Result;
  assert.match(r.rules, /--dst-range 127\.90\.\d+\.\d+-127\.90\.\d+\.\d+ .*-j DROP/);
  assert.ok(r.deadCount >= 3 * NODES, `${r.deadCount} nothing-listens addresses`);
  assert.equal(r.summary.state, "succeeded");
  assert.equal(r.summary.stoppedBy, "done");

  const count = (kind: string, outcome?: string) =>
    r.outcomes.filter((o) => o.kind === kind && (outcome === undefined || o.outcome === outcome)).reduce((a, o) => a + o.n, 0);
  // Blackholed: every nothing-listens address dialled timed out (none refused, as loopback would without the rule).
  assert.ok(count("dead") > NODES, `${count("dead")} nothing-listens addresses dialled`);
  assert.equal(count("dead", "timeout"), count("dead"), JSON.stringify(r.outcomes));

  // Capture: every honest peer answered within the wait and is ok.
  const ok = new Set(r.okVisits.map((v) => `${v.address}:${v.port}`));
  const honest = Object.entries(r.behaviours).filter(([, b]) => b === "honest");
  assert.ok(honest.length >= NODES * 0.9);
  assert.deepEqual(
    honest.filter(([k]) => !ok.has(k)),
    [],
  );

  // in_reply: the reply's entries are in_reply (as many as the ground truth's IP entries), the self-announcement not.
  const byPeer = new Map(r.inReply.map((x) => [`${x.source_address}:${x.source_port}`, x]));
  for (const [k] of honest) {
    const x = byPeer.get(k);
    assert.ok(x !== undefined, `${k} has no addrs rows`);
    assert.equal(x.in_reply, r.replies[k], `${k}: in_reply rows vs the ground truth's reply`);
    assert.equal(x.self_in_reply, 0, `${k}: its self-announcement counted as reply`);
  }
  assert.ok(r.inReply.reduce((a, x) => a + x.self_not_in_reply, 0) >= honest.length * 0.9); // Core announces itself first
});
