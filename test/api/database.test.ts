// CrawlDatabase: run selection, streamed nodes with typed rows, location/version records, latest edges from one
// snapshot (the newest sealed run that got a getaddr reply, never a merge), raw SQL, runs(), errors, close.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pagerankCjs from "graphology-metrics/centrality/pagerank.js";
import { CrawlDatabase, type CrawlNode, DataError, graphKey, QueryError } from "../../pipeline/api/index.ts";
import { fixtureRuns, makeFixtureLake, N, visit, type FixtureLake } from "../sql/fixture.ts";

let fx: FixtureLake;
let db: CrawlDatabase;

before(async () => {
  fx = await makeFixtureLake();
  db = await CrawlDatabase.open(fx.dataDir);
});

after(async () => {
  await db?.close();
  await fx?.remove();
});

async function collect(iter: AsyncIterable<CrawlNode>): Promise<CrawlNode[]> {
  const out: CrawlNode[] = [];
  for await (const n of iter) out.push(n);
  return out;
}

/** The fixture's nodes n1…n6 of a run, by name order (the stream itself is ordered by address). */
async function nodesOf(run: string): Promise<Record<"n1" | "n2" | "n3" | "n4" | "n5", CrawlNode>> {
  const all = await collect(db.nodes({ run }));
  const find = (k: "n1" | "n2" | "n3" | "n4" | "n5"): CrawlNode => {
    const found = all.find((n) => n.address === N[k].address);
    assert.ok(found, k);
    return found;
  };
  return { n1: find("n1"), n2: find("n2"), n3: find("n3"), n4: find("n4"), n5: find("n5") };
}

describe("CrawlDatabase", () => {
  test("nodes() defaults to the newest sealed run (the failed run after it is skipped), ordered by address, port", async () => {
    const nodes = await collect(db.nodes());
    assert.deepEqual(
      nodes.map((n) => [n.runId, n.network, n.address, n.port, n.outcome]),
      [
        [fx.ids.C, "simnet", N.n1.address, 8333, "ok"],
        [fx.ids.C, "simnet", N.n2.address, 8333, "ok"],
        [fx.ids.C, "simnet", N.n3.address, 8333, "timeout"],
        [fx.ids.C, "simnet", N.n6.address, 8333, "ok"],
        [fx.ids.C, "simnet", N.n4.address, 8333, "ok"],
      ],
    );
    assert.deepEqual(
      (await collect(db.nodes({ network: "regtest" }))).map((n) => [n.runId, String(n)]),
      [[fx.ids.Z, "127.0.0.1:18444"]],
    );
    assert.equal(String(nodes[4]), "[2001:db8::4]:8333");
  });

  test("a run that is not sealed, or does not exist, is a DataError", async () => {
    await assert.rejects(collect(db.nodes({ run: fx.ids.F })), (err: unknown) => err instanceof DataError && /is failed, expected succeeded/.test(err.message));
    await assert.rejects(collect(db.nodes({ run: "20200101T000000Z" })), (err: unknown) => err instanceof DataError && /not found/.test(err.message));
    await assert.rejects(CrawlDatabase.open(join(fx.root, "missing")), DataError);
  });

  test("typed rows: the visit, getVersion() and getLocation()", async () => {
    const { n1, n3, n4, n5 } = await nodesOf(fx.ids.A);
    assert.deepEqual(n1.visit, {
      ...visit({ node: "n1", outcome: "ok", ua: "/Satoshi:25.0.0/", pv: 70016 }, new Date(Date.UTC(2024, 0, 1))),
      advertised_by: null, // a column the fixture's rows leave out (written as null)
      network: "simnet",
      run_id: fx.ids.A,
    });
    assert.deepEqual(await n1.getVersion(), {
      protocol_version: 70016,
      services: 1033n,
      user_agent: "/Satoshi:25.0.0/",
      start_height: 840000,
      relay: true,
      peer_time: 1_704_067_200n,
      attempted_at: new Date(Date.UTC(2024, 0, 1)),
    });
    assert.equal(await n4.getVersion(), null); // timeout: no version message
    assert.equal(n3.reachable, true);
    assert.equal(n4.reachable, false);
    const loc = await n1.getLocation();
    assert.ok(loc);
    assert.deepEqual(
      [loc.network, loc.run_id, loc.address, loc.status, loc.country_code, loc.continent_code, loc.asn, loc.as_org],
      ["simnet", fx.ids.A, N.n1.address, "located", "US", "NA", 100, "Org100"],
    );
    assert.ok(loc.located_at instanceof Date);
    const onion = await n5.getLocation();
    assert.deepEqual([onion?.status, onion?.country_code], ["onion", null]);
    // run C was never geolocated
    const [c1] = await collect(db.nodes({ run: fx.ids.C }));
    assert.equal(await c1?.getLocation(), null);
  });

  test("getLatestEdges(): the newest sealed run whose crawl got the node's getaddr reply, that run's edges only", async () => {
    const { n1, n2, n3, n4, n5 } = await nodesOf(fx.ids.A);
    // n1 advertised n2,n3,n4 in A, n5,n6 in B, n2 in C, n6 in the failed run F: the answer is C's, alone
    const l1 = await n1.getLatestEdges();
    assert.ok(l1);
    assert.equal(l1.run_id, fx.ids.C);
    assert.equal(l1.started_at.toISOString(), "2024-01-03T00:00:00.000Z");
    assert.deepEqual(
      l1.edges.map((e) => [e.run_id, e.source_address, e.address, e.port, e.network_type, e.services, e.message]),
      [[fx.ids.C, N.n1.address, N.n2.address, 8333, "ipv4", 1033n, "addrv2"]],
    );
    // n2: refused in B, ok in C where it advertised nothing → C with no edges (not A's edge)
    assert.deepEqual(await n2.getLatestEdges().then((l) => [l?.run_id, l?.edges.length]), [fx.ids.C, 0]);
    // n3: no_addr_reply in A, ok in B, timeout in C → B
    assert.deepEqual(await n3.getLatestEdges().then((l) => [l?.run_id, l?.edges.map((e) => e.address)]), [fx.ids.B, [N.n1.address]]);
    // n4 answered in B and C, advertising nothing: the newest (C)
    assert.deepEqual(await n4.getLatestEdges().then((l) => [l?.run_id, l?.edges.length]), [fx.ids.C, 0]);
    assert.deepEqual(await n5.getLatestEdges().then((l) => l?.run_id), fx.ids.B);
    assert.equal(await db.latestEdges("simnet", "10.9.9.9", 8333), null);
  });

  test("getLatestEdges() of streamed nodes (batched per chunk) equals the one-node lookup for every node", async () => {
    for (const run of [fx.ids.A, fx.ids.B, fx.ids.C]) {
      for await (const node of db.nodes({ run })) {
        const batched = await node.getLatestEdges();
        const single = await db.latestEdges(node.network, node.address, node.port);
        assert.deepEqual(batched, single, `${run} ${String(node)}`);
      }
    }
  });

  test("nodes() filters: networkType, country (any case), asn; one value or a list; bad values are DataErrors", async () => {
    const addresses = async (opts: Parameters<CrawlDatabase["nodes"]>[0]) => (await collect(db.nodes({ run: fx.ids.A, ...opts }))).map((n) => n.address);
    assert.deepEqual(await addresses({ networkType: "onion_v3" }), [N.n5.address]);
    assert.deepEqual(await addresses({ networkType: ["ipv6", "onion_v3"] }), [N.n4.address, N.n5.address]);
    assert.deepEqual(await addresses({ country: "us" }), [N.n1.address, N.n2.address]);
    assert.deepEqual(await addresses({ asn: 100 }), [N.n1.address, N.n3.address]);
    assert.deepEqual(await addresses({ asn: [200, 300], country: ["FR"] }), [N.n4.address]);
    assert.deepEqual(await addresses({ country: [] }), []);
    await assert.rejects(
      collect(db.nodes({ networkType: "ipx" as never })),
      (err: unknown) => err instanceof DataError && /unknown networkType 'ipx'/.test(err.message),
    );
    await assert.rejects(collect(db.nodes({ asn: -1 })), (err: unknown) => err instanceof DataError && /asn must be/.test(err.message));
  });

  test("graph(): the run's advertised-address graph as a graphology DirectedGraph that graphology-metrics runs on", async () => {
    const g = await db.graph({ run: fx.ids.A });
    assert.equal(g.type, "directed");
    // n1 advertised n2, n3 and n4 in run A
    assert.deepEqual(
      g.outNeighbors(graphKey(N.n1.address, 8333)).sort(),
      [graphKey(N.n2.address, 8333), graphKey(N.n3.address, 8333), graphKey(N.n4.address, 8333)].sort(),
    );
    const edges = await db.query<{ n: bigint }>(
      `select count(*) as n from (select distinct source_address, source_port, address, port from addrs
       where run_id = '${fx.ids.A}' and coalesce(in_reply, true) and (source_address, source_port) <> (address, port))`,
    );
    assert.equal(BigInt(g.size), edges[0]?.n);
    const n1 = g.getNodeAttributes(graphKey(N.n1.address, 8333));
    assert.deepEqual([n1.outcome, n1.country, n1.asn, n1.userAgent], ["ok", "US", 100, "/Satoshi:25.0.0/"]);
    assert.equal(typeof n1.pagerank, "number");
    const e = g.getEdgeAttributes(graphKey(N.n1.address, 8333), graphKey(N.n2.address, 8333));
    assert.equal(typeof e.services, "bigint");
    assert.equal(g.getNodeAttributes(graphKey(N.n4.address, 8333)).address, N.n4.address); // IPv6 key in brackets
    const pagerank = pagerankCjs as unknown as (typeof pagerankCjs)["default"]; // CJS default export as tsc sees it
    const ranks = pagerank(g);
    assert.ok(Math.abs(Object.values(ranks).reduce((a, b) => a + b, 0) - 1) < 1e-6);
    // the default run is the newest sealed one
    assert.equal((await db.graph()).order, (await db.graph({ run: fx.ids.C })).order);
  });

  test("reachableOnly, and streaming across chunks while other queries run on the same database", async () => {
    assert.deepEqual(
      (await collect(db.nodes({ run: fx.ids.B, reachableOnly: true }))).map((n) => n.address),
      [N.n1.address, N.n3.address, N.n4.address, N.n5.address],
    );
    // a run with 5,000 nodes (more than two DuckDB chunks of 2,048 rows)
    const { writeRuns } = await import("../sql/fixture.ts");
    const big = Array.from({ length: 5000 }, (_, i) => ({
      ...visit({ node: "n1", outcome: i % 2 === 0 ? "ok" : "refused" }, new Date(Date.UTC(2024, 0, 5))),
      address: `10.1.${i >> 8}.${i & 255}`,
    }));
    const ids = await writeRuns(fx.dataDir, [
      { key: "big", network: "testnet", startedAt: new Date(Date.UTC(2024, 0, 5)).toISOString(), state: "succeeded", visits: big },
    ]);
    let count = 0;
    let previous = "";
    for await (const node of db.nodes({ network: "testnet" })) {
      assert.equal(node.runId, ids.big);
      assert.ok(node.address > previous, "ordered by address");
      previous = node.address;
      if (count % 1000 === 0) assert.equal((await db.query<{ n: bigint }>("select count(*) as n from runs"))[0]?.n, 5n);
      count++;
    }
    assert.equal(count, 5000);
    // leaving a loop early releases its connection; the database stays usable
    for await (const node of db.nodes({ network: "testnet" })) {
      assert.ok(node);
      break;
    }
    assert.equal((await db.query<{ n: bigint }>("select count(*) as n from visits where network = 'testnet'"))[0]?.n, 5000n);
  });

  test("runs() lists every run with its state; query() runs SQL and wraps errors", async () => {
    const runs = await db.runs();
    const byId = new Map(runs.map((r) => [r.run_id, r]));
    assert.deepEqual([byId.get(fx.ids.A)?.sealed, byId.get(fx.ids.F)?.sealed, byId.get(fx.ids.F)?.state], [true, false, "failed"]);
    assert.deepEqual(byId.get(fx.ids.A)?.counts, { visits: 6, addrs: 4 });
    assert.equal(byId.get(fx.ids.A)?.started_at.toISOString(), "2024-01-01T00:00:00.000Z");
    assert.deepEqual(await db.query("select $1::integer + 1 as n", [41]), [{ n: 42 }]);
    await assert.rejects(db.query("select nope"), QueryError);
  });

  test("a node recorded twice in a run (breaking the writer's guarantee) is yielded as stored, both rows", async () => {
    const dup = await makeFixtureLake({ breakage: "duplicate_visit" });
    const other = await CrawlDatabase.open(dup.dataDir);
    try {
      const nodes = await collect(other.nodes({ run: dup.ids.A }));
      assert.deepEqual(
        nodes
          .filter((n) => n.address === N.n4.address)
          .map((n) => n.outcome)
          .sort(),
        ["ok", "timeout"],
      );
      assert.equal(nodes.length, 7);
    } finally {
      await other.close();
      await dup.remove();
    }
  });

  test("close() ends the session", async () => {
    const other = await CrawlDatabase.open(fx.dataDir);
    await other.close();
    await other.close();
    await assert.rejects(other.query("select 1"));
    assert.equal(fixtureRuns().length, 5);
  });
});
