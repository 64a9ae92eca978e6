// The end-of-crawl rule (stages/crawl/tail.ts): once nothing is left to dial, the last getaddr waits end together
// when the replies still missing are a small enough share; a pinned --getaddr-timeout never ends early. The rule and
// the waiting room are unit-tested; a real crawl of scripted peers on loopback shows the engine applying it.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AddrRow } from "../../pipeline/schema/addrs.ts";
import type { VisitRow } from "../../pipeline/schema/visits.ts";
import { CHAINS } from "../../lib/bitcoin/chains.ts";
import { CrawlEngine } from "../../stages/crawl/engine.ts";
import { Frontier } from "../../stages/crawl/frontier.ts";
import { DialPolicy } from "../../stages/crawl/policy.ts";
import { END_MISS_SHARE, tailCanEnd, WaitingRoom } from "../../stages/crawl/tail.ts";
import { startPeerNetwork, type PeerSpec } from "./helpers/peer-network.ts";

test("the rule: every session without a reply counts as a missed reply; end when they are at most the share of all", () => {
  assert.equal(END_MISS_SHARE, 0.004);
  // 996 captured, 0 lost, 4 waiting: 4 ≤ 0.4% of 1000
  assert.equal(tailCanEnd({ captured: 996, lost: 0, waiting: 4 }), true);
  assert.equal(tailCanEnd({ captured: 995, lost: 0, waiting: 5 }), false); // 5 > 4.0
  assert.equal(tailCanEnd({ captured: 996, lost: 2, waiting: 2 }), true);
  assert.equal(tailCanEnd({ captured: 996, lost: 3, waiting: 2 }), false); // lost replies count too
  assert.equal(tailCanEnd({ captured: 10_000, lost: 0, waiting: 0 }), false); // nobody waits: nothing to end
  assert.equal(tailCanEnd({ captured: 0, lost: 0, waiting: 1 }), false);
  assert.equal(tailCanEnd({ captured: 1, lost: 0, waiting: 1 }, 0.5), true);
});

test("the waiting room counts sessions, forgets the ones that leave, and ends the rest once", () => {
  let changes = 0;
  const room = new WaitingRoom(() => changes++);
  const ended: string[] = [];
  const leaveA = room.enter(() => ended.push("a"));
  room.enter(() => ended.push("b"));
  const leaveC = room.enter(() => ended.push("c"));
  assert.equal(room.size, 3);
  leaveA();
  leaveA(); // idempotent
  assert.equal(room.size, 2);
  assert.equal(room.endAll(), 2);
  assert.deepEqual(ended.sort(), ["b", "c"]);
  assert.equal(room.size, 0);
  leaveC(); // leaving after being ended changes nothing
  assert.equal(room.endAll(), 0);
  assert.equal(changes, 4); // three entries, one leave
});

const P = 18444;
const host = (i: number) => `127.32.0.${i}`;
// A advertises B, C, D; B and C answer at once; D completes the handshake and never answers getaddr.
const SPECS: PeerSpec[] = [
  { host: host(1), port: P, reply: [`${host(2)}:${P}`, `${host(3)}:${P}`, `${host(4)}:${P}`] },
  { host: host(2), port: P, reply: [`${host(1)}:${P}`] },
  { host: host(3), port: P, reply: [`${host(1)}:${P}`] },
  { host: host(4), port: P, reply: [`${host(4)}:${P}`], behaviour: "announce_only" }, // a self-announcement only
];

async function crawl(adaptive: boolean): Promise<{ visits: VisitRow[]; tailEnded: number }> {
  const frontier = new Frontier();
  frontier.add({ address: host(1), port: P, networkType: "ipv4", source: "seed_arg", depth: 0 });
  const visits: VisitRow[] = [];
  const sink = { record: (v: VisitRow, _a: readonly AddrRow[]) => void visits.push(v) };
  const engine = new CrawlEngine(frontier, sink, {
    concurrency: 8,
    policy: DialPolicy.of(["127.32.0.0/24"], []),
    session: {
      magic: CHAINS.regtest.magic,
      connectTimeoutMs: 2000,
      handshakeTimeoutMs: 5000,
      getaddrTimeoutMs: 1500,
      // every reply here is small (1–3 entries): 200 ms graces instead of 2 s, so only D's wait is long
      replyRule: { smallMax: 10, continuationGraceMs: 200, smallReplyGraceMs: 200 },
    },
    adaptiveGetaddr: adaptive,
    tailMissShare: 0.5, // 1 of 4 handshaken peers may go without a reply in this tiny network
  });
  const stats = await engine.run();
  return { visits, tailEnded: stats.tailEnded };
}

test("the engine ends the last waits once nothing is left to dial (adaptive wait), never under a pinned wait", async (t) => {
  const network = await startPeerNetwork(SPECS);
  t.after(() => network.close());
  const adaptive = await crawl(true); // without the rule D would wait W_min = 160 s
  const d = adaptive.visits.find((v) => v.address === host(4))!;
  assert.equal(d.outcome, "no_addr_reply");
  assert.match(d.error_detail ?? "", /end-of-crawl rule/);
  assert.equal(adaptive.tailEnded, 1);
  assert.deepEqual(
    adaptive.visits
      .filter((v) => v.outcome === "ok")
      .map((v) => v.address)
      .sort(),
    [host(1), host(2), host(3)],
  );

  const pinned = await crawl(false); // --getaddr-timeout 1500: D waits its 1.5 s
  const dp = pinned.visits.find((v) => v.address === host(4))!;
  assert.equal(dp.outcome, "no_addr_reply");
  assert.doesNotMatch(dp.error_detail ?? "", /end-of-crawl/);
  assert.equal(pinned.tailEnded, 0);
});
