// Unit tests of the simnet model: determinism, behaviour shares, the getaddr size rule, what may be
// advertised, discoverability from the seeds, and the version mix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADDRV2_ONLY, GETADDR_MAX, knownCount, replyEntries, replySize, floodEntries, legacyEntries } from "../../tools/simnet/addrman.ts";
import { BEHAVIOURS, PROFILE_SHARES, REPLIERS, PROMPT_REPLIERS, behaviourCounts, parseShares, SharesError } from "../../tools/simnet/behaviours.ts";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeGeoDatabases } from "../../tools/simnet/geo.ts";
import { groundTruthPeer, readGroundTruth, writeGroundTruth } from "../../tools/simnet/ground-truth.ts";
import { Layout, LayoutError } from "../../tools/simnet/layout.ts";
import { SimnetModel } from "../../tools/simnet/model.ts";
import { resolveConfig } from "../../tools/simnet/options.ts";
import { CLIENTS } from "../../tools/simnet/versions.ts";
import { UsageError } from "../../pipeline/errors.ts";

const EPOCH = 1_717_200_000;
const model = (over: Partial<Parameters<typeof resolveConfig>[0]> = {}) =>
  new SimnetModel(resolveConfig({ nodes: 2000, seed: 7, epoch: EPOCH, base: "127.60.0.0", ...over }));

test("same seed, same network: every peer's ground-truth record is identical; another seed differs", () => {
  const a = model();
  const b = model();
  const c = model({ seed: 8 });
  let differ = 0;
  for (let i = 0; i < 2000; i += 7) {
    assert.deepEqual(groundTruthPeer(a, i), groundTruthPeer(b, i));
    if (JSON.stringify(groundTruthPeer(a, i)) !== JSON.stringify(groundTruthPeer(c, i))) differ++;
  }
  assert.deepEqual(a.seeds(), b.seeds());
  assert.ok(differ > 250, `seed 8 should change most peers (changed ${differ})`);
});

test("behaviour counts follow the shares exactly (largest remainder) and every behaviour but spammer and frame_stall occurs in the realistic mix", () => {
  const m = model();
  const counts = Object.fromEntries(BEHAVIOURS.map((b) => [b, 0])) as Record<string, number>;
  for (let i = 0; i < 2000; i++) counts[m.behaviour(i)]!++;
  assert.deepEqual(counts, behaviourCounts(2000, PROFILE_SHARES.realistic));
  assert.equal(counts.honest, 1720);
  for (const b of BEHAVIOURS) if (b !== "spammer" && b !== "frame_stall") assert.ok(counts[b]! >= 20, `${b}: ${counts[b]}`); // spammers: the flood profile; stallers: bench/stall.bench.ts
  const fast = model({ profile: "fast" });
  for (let i = 0; i < 2000; i++) assert.equal(fast.behaviour(i), "honest");
});

test("--behaviours shares override named behaviours and rescale the rest of the profile", () => {
  const s = parseShares("honest=0.5,silent=0.1", PROFILE_SHARES.realistic);
  assert.equal(s.honest, 0.5);
  assert.equal(s.silent, 0.1);
  const sum = Object.values(s).reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(sum - 1) < 1e-9);
  assert.ok(Math.abs(s.slow! / s.full! - 1) < 1e-9); // both 0.03 in the profile: still equal
  assert.throws(() => parseShares("honest=2", PROFILE_SHARES.realistic), SharesError);
  assert.throws(() => parseShares("sneaky=0.1", PROFILE_SHARES.realistic), /unknown behaviour 'sneaky'/);
  assert.throws(() => parseShares("honest", PROFILE_SHARES.realistic), /NAME=FRACTION/);
  assert.deepEqual(parseShares("honest=1", PROFILE_SHARES.fast), { honest: 1 });
});

test("every reply holds min(1000, ⌊23% of known⌋) entries, distinct, with timestamps from the epoch back", () => {
  const m = model();
  let capped = 0;
  for (let i = 0; i < 2000; i++) {
    const known = knownCount(m, i);
    const entries = replyEntries(m, i);
    assert.equal(entries.length, Math.min(1000, Math.floor(known * 0.23 + 1e-9)), `peer ${i}`);
    assert.equal(entries.length, replySize(m, i));
    assert.ok(entries.length <= GETADDR_MAX);
    if (entries.length === GETADDR_MAX) capped++;
    const keys = new Set(entries.map((e) => `${e.address}|${e.port}`));
    assert.equal(keys.size, entries.length, `duplicates in peer ${i}'s reply`);
    assert.ok(!keys.has(`${m.address(i)}|${m.port(i)}`), "a peer does not advertise itself in its reply");
    for (const e of entries) assert.ok(e.time! <= EPOCH && e.time! >= EPOCH - 10 * 86_400);
  }
  assert.ok(capped >= 10, `some peers know enough to hit the 1000 cap (${capped})`);
});

test("everything advertised for dialling is on loopback: simnet peers, the nothing-listens pool, or [::1]", () => {
  const m = model();
  const types = new Map<string, number>();
  for (let i = 0; i < 2000; i += 3) {
    for (const e of replyEntries(m, i)) {
      types.set(e.networkType, (types.get(e.networkType) ?? 0) + 1);
      if (e.networkType === "ipv4") {
        assert.ok(e.address.startsWith("127.60."), e.address);
        const peer = m.layout.peerIndex(e.address);
        if (peer !== undefined) {
          assert.equal(e.port, m.port(peer));
          assert.equal(e.services, m.services(peer));
        } else assert.ok(m.layout.isDead(e.address), `${e.address} is neither a peer nor in the dead pool`);
      } else if (e.networkType === "ipv6") {
        assert.equal(e.address, "::1");
        assert.ok(e.port >= 18500 && e.port <= 18999);
      } else {
        assert.ok(ADDRV2_ONLY.has(e.networkType), e.networkType);
        assert.ok(m.addrv2Capable(i), "TorV3/I2P/CJDNS only from BIP155 peers");
      }
    }
  }
  for (const t of ["ipv4", "ipv6", "onion_v3", "i2p", "cjdns"]) assert.ok((types.get(t) ?? 0) > 0, `no ${t} entries`);
  const sample = replyEntries(m, m.order[0]!);
  assert.ok(legacyEntries(sample).every((e) => e.networkType === "ipv4" || e.networkType === "ipv6"));
});

test("every peer is discoverable from the seeds through prompt repliers' replies", () => {
  for (const profile of ["realistic", "hostile"] as const) {
    const m = model({ profile });
    const seen = new Set<number>();
    const queue: number[] = [];
    for (const s of m.seeds()) {
      const i = m.layout.peerIndex(s.split(":")[0]!)!;
      assert.ok(PROMPT_REPLIERS.has(m.behaviour(i)), "seeds are prompt repliers");
      seen.add(i);
      queue.push(i);
    }
    while (queue.length > 0) {
      const i = queue.shift()!;
      if (!PROMPT_REPLIERS.has(m.behaviour(i))) continue;
      for (const e of replyEntries(m, i)) {
        const j = e.networkType === "ipv4" ? m.layout.peerIndex(e.address) : undefined;
        if (j !== undefined && !seen.has(j)) {
          seen.add(j);
          queue.push(j);
        }
      }
    }
    assert.equal(seen.size, 2000, `${profile}: reached ${seen.size} of 2000`);
  }
});

test("addr_flood entries exceed the 1000-entry limit; non-repliers list nothing in the ground truth", () => {
  const m = model();
  for (let i = 0; i < 2000; i++) {
    const b = m.behaviour(i);
    const g = groundTruthPeer(m, i);
    assert.equal(g.replies, REPLIERS.has(b));
    if (!g.replies) assert.equal(g.advertises.length, 0);
    if (b === "addr_flood") {
      const n = floodEntries(m, i).length;
      assert.ok(n > 1000 && n <= 1500);
      assert.equal(g.flood_entries, n);
    }
  }
});

test("version records: protocol versions match the client, relay byte only from 70001, heights near one tip", () => {
  const m = model({ nodes: 20_000, base: "127.61.0.0" });
  const byUa = new Map(CLIENTS.map((c) => [c.userAgent, c]));
  const heights: number[] = [];
  const uas = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const v = m.version(i);
    const client = byUa.get(v.userAgent);
    assert.ok(client, v.userAgent);
    assert.equal(v.protocolVersion, client.protocolVersion);
    assert.equal(v.relay === undefined, v.protocolVersion < 70001);
    assert.ok(client.services.some(([s]) => s === v.services));
    heights.push(v.startHeight);
    uas.add(v.userAgent);
  }
  heights.sort((a, b) => a - b);
  const tip = heights[heights.length - 1]!;
  assert.ok(heights[Math.floor(heights.length * 0.5)]! >= tip - 2, "most peers at the tip");
  assert.ok(heights[Math.floor(heights.length * 0.02)]! < tip - 1000, "some peers lag far behind");
  for (const ua of [
    "/Satoshi:27.0.0/",
    "/Satoshi:0.21.1/",
    "/Satoshi:27.1.0/Knots:20240801/",
    "/btcwire:0.5.0/btcd:0.24.2/",
    "/bcoin:2.2.0/",
    "/Satoshi:0.7.2/",
  ]) {
    assert.ok(uas.has(ua), `${ua} missing from 20,000 peers`);
  }
  const fast = model({ profile: "fast", nodes: 20_000, base: "127.61.0.0" });
  for (let i = 0; i < 20_000; i++) assert.ok(fast.version(i).protocolVersion >= 70001);
});

test("layout: peers skip .0 and .255, the dead pool follows one empty block, bad bases are one-line usage errors", () => {
  const l = new Layout("127.42.0.0", 600);
  assert.equal(l.peerText(0), "127.42.0.1");
  assert.equal(l.peerText(253), "127.42.0.254");
  assert.equal(l.peerText(254), "127.42.1.1");
  assert.equal(l.peerIndex("127.42.1.1"), 254);
  assert.equal(l.peerIndex("127.42.0.255"), undefined);
  assert.equal(l.peerIndex("127.42.2.93"), undefined); // index 600 would be past the last peer
  assert.equal(l.deadText(0), "127.42.4.1"); // peers use blocks 0–2, block 3 stays empty
  assert.ok(l.isDead("127.42.4.1") && !l.isDead("127.42.2.1"));
  assert.throws(() => new Layout("10.0.0.0", 10), LayoutError);
  assert.throws(() => new Layout("127.42.0.5", 10), /must end in \.0/);
  assert.throws(() => new Layout("127.255.255.0", 10), /too little of 127\.0\.0\.0\/8/);
  assert.throws(() => resolveConfig({ nodes: 10, base: "192.168.1.0" }), UsageError);
  assert.throws(() => resolveConfig({ nodes: 0 }), /--nodes must be an integer/);
});

test("ground-truth.json and the .mmdb files are byte-identical for the same seed and epoch", async () => {
  const dirs = [await mkdtemp(join(tmpdir(), "simnet-det-")), await mkdtemp(join(tmpdir(), "simnet-det-"))];
  try {
    for (const dir of dirs) {
      const m = model({ nodes: 300 });
      const geo = await writeGeoDatabases(dir, m);
      await writeGroundTruth(join(dir, "ground-truth.json"), m, 0xfabfb5da, geo);
    }
    for (const file of ["ground-truth.json", "simnet-city.mmdb", "simnet-asn.mmdb"]) {
      const [a, b] = await Promise.all(dirs.map((d) => readFile(join(d, file))));
      assert.ok(a!.length > 1000 && a!.equals(b!), file);
    }
    const parsed = (await readGroundTruth(join(dirs[0]!, "ground-truth.json"))).peers[17]!;
    const { geo, ...rest } = parsed;
    assert.ok(geo && geo.country.length === 2 && geo.asn > 0);
    assert.deepEqual(rest, JSON.parse(JSON.stringify(groundTruthPeer(model({ nodes: 300 }), 17))));
  } finally {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
});
