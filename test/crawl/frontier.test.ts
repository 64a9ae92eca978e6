// The evidence-ordered frontier (issue 13 item 3, issue 19's frontier bound): seeds first, then endpoints by how many
// sources advertised them, a per-source cap that sends a flood's excess to the overflow level, a size bound that
// drops the newest lowest-evidence endpoints with a count, and advertised_by carried to the visit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Frontier, type FrontierItem, waitingBytes } from "../../stages/crawl/frontier.ts";
import { spamEntries } from "../../tools/simnet/addrman.ts";
import { SimnetModel } from "../../tools/simnet/model.ts";
import { resolveConfig } from "../../tools/simnet/options.ts";

const e = (address: string, port = 8333) => ({ address, port, networkType: "ipv4" as const });
const seed = (address: string): FrontierItem => ({ ...e(address), source: "seed_arg", depth: 0 });
const drain = (f: Frontier) => {
  const out: FrontierItem[] = [];
  for (let it = f.shift(); it !== undefined; it = f.shift()) out.push(it);
  return out;
};

test("seeds first, then by number of advertisers, first in first out among equals; advertised_by is carried", () => {
  const f = new Frontier();
  f.addAdvertised([e("10.0.0.1"), e("10.0.0.2"), e("10.0.0.3")], 1); // source A
  f.add(seed("1.1.1.1"));
  f.addAdvertised([e("10.0.0.3"), e("10.0.0.2")], 1); // source B
  f.addAdvertised([e("10.0.0.3")], 1); // source C
  assert.equal(f.addAdvertised([e("1.1.1.1")], 1), 0); // a waiting seed gains evidence but is not new
  const order = drain(f);
  assert.deepEqual(
    order.map((i) => [i.address, i.advertisedBy]),
    [
      ["1.1.1.1", 1],
      ["10.0.0.3", 3],
      ["10.0.0.2", 2],
      ["10.0.0.1", 1],
    ],
  );
  assert.equal(f.waiting, 0);
  assert.equal(f.discovered, 4);
  assert.equal(f.addAdvertised([e("10.0.0.1")], 2), 0); // taken endpoints are never queued again
});

test("a spammer's entries beyond the per-source cap wait in overflow, its high ranks behind every real peer; a re-advertised one moves up", () => {
  const config = resolveConfig({ nodes: 50, profile: "flood", base: "127.60.0.0" });
  const model = new SimnetModel(config);
  const spammer = Array.from({ length: 50 }, (_, i) => i).find((i) => model.behaviour(i) === "spammer")!;
  const spam = spamEntries(model, spammer);
  assert.equal(spam.length, 2000);
  assert.ok(spam.every((s) => model.layout.isDead(s.address)));

  const f = new Frontier({ perSourceCap: 100 });
  f.addAdvertised(spam, 1); // the spammer is visited first: its flood lands before the real peers are known
  const real = Array.from({ length: 40 }, (_, i) => e(model.address(i), model.port(i)));
  f.addAdvertised(real.slice(0, 30), 1); // honest source 1
  f.addAdvertised(real.slice(10, 40), 1); // honest source 2
  f.addAdvertised([spam[1500]!], 1); // one overflow entry advertised by a second source
  assert.equal(f.drops.overflowed, 1900);
  const order = drain(f).map((i) => i.address);
  const lastReal = Math.max(...real.map((r) => order.indexOf(r.address)));
  const spamPositions = spam.map((s) => order.indexOf(s.address)).filter((p) => p >= 0);
  // Real peers with two advertisers come first; singletons (real or spam) next; the flood's overflow last.
  assert.ok(order.indexOf(spam[1500]!.address) < order.indexOf(spam[1999]!.address));
  assert.ok(real.slice(10, 30).every((r) => order.indexOf(r.address) < 21));
  // Ranked from the end of each reply, source 1's singletons have ranks up to 29 (real[0] last), so the flood's ranks
  // 30..99 and all its overflow come after.
  assert.equal(spamPositions.filter((p) => p > lastReal).length, 70 + 1900 - 1);
});

test("the size bound drops the newest lowest-evidence endpoints and counts them; a dropped one can come back", () => {
  const f = new Frontier({ perSourceCap: 2, maxBytes: 5 * waitingBytes("10.0.0.1") });
  f.add(seed("1.1.1.1"));
  // ranked from the end of the reply: .1 and .2 within the cap, .3 to .6 in overflow (.6 newest)
  f.addAdvertised([e("10.0.0.6"), e("10.0.0.5"), e("10.0.0.4"), e("10.0.0.3"), e("10.0.0.2"), e("10.0.0.1")], 1);
  assert.equal(f.waiting, 5);
  assert.equal(f.drops.dropped, 2); // 10.0.0.5 and .6 (overflow, newest) went first
  assert.equal(f.has("10.0.0.6", 8333), false);
  f.addAdvertised([e("10.0.0.1")], 1); // .1 now has 2 advertisers
  assert.deepEqual(
    drain(f).map((i) => i.address),
    ["1.1.1.1", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"],
  );
  assert.equal(f.addAdvertised([e("10.0.0.6")], 1), 1); // offered again by another source
});

test("single-advertiser endpoints are served by rank within their reply: every honest reply's few new entries go before a flood's tail, whenever they arrive", () => {
  const f = new Frontier({ perSourceCap: 250 });
  const spam = Array.from({ length: 2000 }, (_, k) => e(`10.9.${k >> 8}.${k & 255}`));
  f.addAdvertised(spam, 1); // the flood lands first: ranks 0..249, the rest in overflow
  const honest: string[] = [];
  for (let s = 0; s < 50; s++) {
    const fresh = Array.from({ length: 4 }, (_, k) => e(`10.1.${s}.${k}`));
    honest.push(...fresh.map((x) => x.address));
    f.addAdvertised(fresh, 1); // 50 later honest replies, 4 new endpoints each (ranks 0..3)
  }
  const order = drain(f).map((i) => i.address);
  const lastHonest = Math.max(...honest.map((a) => order.indexOf(a)));
  assert.equal(lastHonest, 200 + 4 - 1); // 200 honest entries and the spammer's ranks 0..3 interleaved, nothing more
  // ranked from the end of each reply: rank 0 is the spammer's last address and each honest reply's fourth
  assert.deepEqual(order.slice(0, 51), [spam[1999]!.address, ...honest.filter((_, i) => i % 4 === 3)]);
  assert.equal(f.drops.overflowed, 1750);
});

test("an endless-address source cannot push the waiting endpoints past the memory bound, and the flood is what gets dropped", () => {
  const bound = 1000 * waitingBytes("10.200.0.0");
  const f = new Frontier({ perSourceCap: 100, maxBytes: bound });
  const real = Array.from({ length: 300 }, (_, k) => e(`10.1.${k >> 8}.${k & 255}`));
  f.addAdvertised(real, 1);
  f.addAdvertised(real, 1); // two advertisers each
  let offered = 0;
  for (let batch = 0; batch < 200; batch++) {
    // one peer, 200 replies of 1000 fresh addresses each (the "endless fresh addresses" attack)
    const fresh = Array.from({ length: 1000 }, (_, k) => e(`10.${200 + (batch >> 6)}.${((batch & 63) << 2) + (k >> 8)}.${k & 255}`));
    offered += f.addAdvertised(fresh, 1);
    assert.ok(f.waitingBytes <= bound, `waiting ${f.waitingBytes} B after batch ${batch}, bound ${bound}`);
  }
  assert.equal(offered, 200_000);
  assert.equal(f.drops.dropped, 300 + 200_000 - f.waiting);
  const order = drain(f).map((i) => i.address);
  assert.deepEqual(order.slice(0, 300), real.map((r) => r.address).reverse()); // nothing real was dropped (they moved up in the order the second source listed them, ranked from its end)
});

test("a flooder's spam before its real reply does not push the reply's new entries to overflow: ranks count from the end", () => {
  const f = new Frontier({ perSourceCap: 250 });
  const spam = Array.from({ length: 2000 }, (_, k) => e(`10.9.${k >> 8}.${k & 255}`));
  const reply = Array.from({ length: 40 }, (_, k) => e(`10.1.0.${k}`));
  f.addAdvertised([...spam, ...reply], 1); // two 1000-entry spam messages, then the real reply that completed it
  assert.equal(f.drops.overflowed, 2000 + 40 - 250);
  const order = drain(f).map((i) => i.address);
  const lastReply = Math.max(...reply.map((r) => order.indexOf(r.address)));
  assert.equal(lastReply, 39); // the reply's 40 new entries first, the spam after them
});
