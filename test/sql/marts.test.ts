// Every mart against numbers worked out by hand from the fixture (test/sql/fixture.ts): three sealed simnet
// runs A, B, C (A and B geolocated), a failed simnet run F that must never count, and a sealed regtest run Z.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { materializeMartInputs, openLake, type Lake } from "../../pipeline/sql/lake.ts";
import { listSqlFiles } from "../../pipeline/sql/files.ts";
import { join } from "node:path";
import { makeFixtureLake, N, type FixtureLake } from "./fixture.ts";
import { frac, rounded, rows } from "./helpers.ts";

let fx: FixtureLake;
let lake: Lake;
let A: string, B: string, C: string, Z: string;

before(async () => {
  fx = await makeFixtureLake();
  lake = await openLake(fx.dataDir);
  ({ A, B, C, Z } = fx.ids as { A: string; B: string; C: string; Z: string });
});

after(async () => {
  await lake?.close();
  await fx?.remove();
});

const q = (sql: string) => rows(lake.connection, sql);

describe("marts", () => {
  test("every marts/*.sql file defines mart_<name> and has a header saying what it answers", async () => {
    const { readFile } = await import("node:fs/promises");
    for (const f of await listSqlFiles("marts")) {
      const text = await readFile(f.path, "utf8");
      assert.match(text, new RegExp(`^-- mart_${f.name}: .+\\?`), f.name);
      assert.match(text, new RegExp(`create or replace view mart_${f.name} as`), f.name);
      assert.doesNotMatch(text, /\b(SELECT|FROM|WHERE|GROUP BY)\b/, `${f.name}: keywords are lowercase`);
      const got = await q(`select count(*)::integer as n from mart_${f.name}`);
      assert.ok((got[0]?.n as number) >= 0);
    }
  });

  test("nodes_by_network_type: discovered, dialed and reachable per family and run", async () => {
    const got = rounded(
      await q(`select run_id, network_type, discovered_nodes, dialed_nodes, reachable_nodes, reachable_share_of_dialed, share_of_run_reachable
      from mart_nodes_by_network_type where discovered_nodes > 0 order by started_at, network_type`),
    );
    // every run lists the five headline network types, zero when it saw none of one
    const headline = await q(
      `select run_id, list(network_type order by network_type) as types, sum(reachable_nodes) filter (where discovered_nodes = 0)::integer as zeros
       from mart_nodes_by_network_type group by run_id`,
    );
    for (const r of headline) {
      for (const t of ["cjdns", "i2p", "ipv4", "ipv6", "onion_v3"]) assert.ok((r.types as string[]).includes(t), `${String(r.run_id)} lacks ${t}`);
      assert.ok(r.zeros === null || r.zeros === 0);
    }
    assert.deepEqual(got, [
      { run_id: A, network_type: "ipv4", discovered_nodes: 4, dialed_nodes: 3, reachable_nodes: 3, reachable_share_of_dialed: 1, share_of_run_reachable: 1 },
      { run_id: A, network_type: "ipv6", discovered_nodes: 1, dialed_nodes: 1, reachable_nodes: 0, reachable_share_of_dialed: 0, share_of_run_reachable: 0 },
      {
        run_id: A,
        network_type: "onion_v3",
        discovered_nodes: 1,
        dialed_nodes: 0,
        reachable_nodes: 0,
        reachable_share_of_dialed: null,
        share_of_run_reachable: 0,
      },
      { run_id: Z, network_type: "ipv4", discovered_nodes: 1, dialed_nodes: 1, reachable_nodes: 1, reachable_share_of_dialed: 1, share_of_run_reachable: 1 },
      {
        run_id: B,
        network_type: "ipv4",
        discovered_nodes: 4,
        dialed_nodes: 4,
        reachable_nodes: 2,
        reachable_share_of_dialed: 0.5,
        share_of_run_reachable: 0.5,
      },
      { run_id: B, network_type: "ipv6", discovered_nodes: 1, dialed_nodes: 1, reachable_nodes: 1, reachable_share_of_dialed: 1, share_of_run_reachable: 0.25 },
      {
        run_id: B,
        network_type: "onion_v3",
        discovered_nodes: 1,
        dialed_nodes: 1,
        reachable_nodes: 1,
        reachable_share_of_dialed: 1,
        share_of_run_reachable: 0.25,
      },
      {
        run_id: C,
        network_type: "ipv4",
        discovered_nodes: 4,
        dialed_nodes: 4,
        reachable_nodes: 3,
        reachable_share_of_dialed: 0.75,
        share_of_run_reachable: 0.75,
      },
      { run_id: C, network_type: "ipv6", discovered_nodes: 1, dialed_nodes: 1, reachable_nodes: 1, reachable_share_of_dialed: 1, share_of_run_reachable: 0.25 },
    ]);
  });

  test("reachable_by_country / continent / asn: geolocated runs only, shares over all reachable nodes", async () => {
    assert.deepEqual(
      rounded(await q(`select run_id, country_code, reachable_nodes, share, country_rank from mart_reachable_by_country order by started_at, country_rank`)),
      [
        { run_id: A, country_code: "US", reachable_nodes: 2, share: frac(2, 3), country_rank: 1 },
        { run_id: A, country_code: "DE", reachable_nodes: 1, share: frac(1, 3), country_rank: 2 },
        { run_id: B, country_code: "DE", reachable_nodes: 1, share: 0.25, country_rank: 1 },
        { run_id: B, country_code: "FR", reachable_nodes: 1, share: 0.25, country_rank: 2 },
        { run_id: B, country_code: "US", reachable_nodes: 1, share: 0.25, country_rank: 3 },
        { run_id: B, country_code: null, reachable_nodes: 1, share: 0.25, country_rank: 4 },
      ],
    );
    assert.deepEqual(
      rounded(await q(`select run_id, continent_code, reachable_nodes, share from mart_reachable_by_continent order by started_at, continent_rank`)),
      [
        { run_id: A, continent_code: "NA", reachable_nodes: 2, share: frac(2, 3) },
        { run_id: A, continent_code: "EU", reachable_nodes: 1, share: frac(1, 3) },
        { run_id: B, continent_code: "EU", reachable_nodes: 2, share: 0.5 },
        { run_id: B, continent_code: "NA", reachable_nodes: 1, share: 0.25 },
        { run_id: B, continent_code: null, reachable_nodes: 1, share: 0.25 },
      ],
    );
    assert.deepEqual(rounded(await q(`select run_id, asn, as_org, reachable_nodes, share from mart_reachable_by_asn order by started_at, asn_rank`)), [
      { run_id: A, asn: 100, as_org: "Org100", reachable_nodes: 2, share: frac(2, 3) },
      { run_id: A, asn: 200, as_org: "Org200", reachable_nodes: 1, share: frac(1, 3) },
      { run_id: B, asn: 100, as_org: "Org100", reachable_nodes: 2, share: 0.5 },
      { run_id: B, asn: 300, as_org: "Org300", reachable_nodes: 1, share: 0.25 },
      { run_id: B, asn: null, as_org: null, reachable_nodes: 1, share: 0.25 },
    ]);
  });

  test("user_agents and protocol_versions: distributions over reachable nodes", async () => {
    assert.deepEqual(rounded(await q(`select user_agent, reachable_nodes, share from mart_user_agents where run_id = '${A}' order by agent_rank`)), [
      { user_agent: "/Satoshi:0.20.0/", reachable_nodes: 1, share: frac(1, 3) },
      { user_agent: "/Satoshi:0.21.1/", reachable_nodes: 1, share: frac(1, 3) },
      { user_agent: "/Satoshi:25.0.0/", reachable_nodes: 1, share: frac(1, 3) },
    ]);
    assert.deepEqual(rounded(await q(`select user_agent, reachable_nodes from mart_user_agents where run_id = '${C}' order by agent_rank`)), [
      { user_agent: "/Satoshi:0.21.0/", reachable_nodes: 1 },
      { user_agent: "/Satoshi:22.0.0/", reachable_nodes: 1 },
      { user_agent: "/Satoshi:26.0.0/", reachable_nodes: 1 },
      { user_agent: "/Satoshi:27.0.0/", reachable_nodes: 1 },
    ]);
    assert.deepEqual(
      rounded(
        await q(
          `select run_id, protocol_version, reachable_nodes, share, cumulative_share from mart_protocol_versions where network = 'simnet' order by started_at, protocol_version`,
        ),
      ),
      [
        { run_id: A, protocol_version: 70015, reachable_nodes: 1, share: frac(1, 3), cumulative_share: frac(1, 3) },
        { run_id: A, protocol_version: 70016, reachable_nodes: 2, share: frac(2, 3), cumulative_share: 1 },
        { run_id: B, protocol_version: 70015, reachable_nodes: 1, share: 0.25, cumulative_share: 0.25 },
        { run_id: B, protocol_version: 70016, reachable_nodes: 3, share: 0.75, cumulative_share: 1 },
        { run_id: C, protocol_version: 70016, reachable_nodes: 4, share: 1, cumulative_share: 1 },
      ],
    );
  });

  test("outdated_versions: default cutoff 22.0 and 70016, and a cutoff set with `set variable`", async () => {
    const sql = `select run_id, outdated_before, min_protocol_version, reachable_nodes, core_nodes, outdated_core_nodes,
      outdated_share_of_core, outdated_share_of_reachable, old_protocol_nodes, old_protocol_share_of_reachable
      from mart_outdated_versions order by started_at`;
    assert.deepEqual(rounded(await q(sql)), [
      // A: 25.0.0, 0.21.1, 0.20.0 → two below 22.0; n3 speaks 70015
      {
        run_id: A,
        outdated_before: "22.0",
        min_protocol_version: 70016,
        reachable_nodes: 3,
        core_nodes: 3,
        outdated_core_nodes: 2,
        outdated_share_of_core: frac(2, 3),
        outdated_share_of_reachable: frac(2, 3),
        old_protocol_nodes: 1,
        old_protocol_share_of_reachable: frac(1, 3),
      },
      {
        run_id: Z,
        outdated_before: "22.0",
        min_protocol_version: 70016,
        reachable_nodes: 1,
        core_nodes: 1,
        outdated_core_nodes: 0,
        outdated_share_of_core: 0,
        outdated_share_of_reachable: 0,
        old_protocol_nodes: 0,
        old_protocol_share_of_reachable: 0,
      },
      // B: 26.0.0, 0.20.0, 22.0.0 (not older than 22.0), btcd (not Core)
      {
        run_id: B,
        outdated_before: "22.0",
        min_protocol_version: 70016,
        reachable_nodes: 4,
        core_nodes: 3,
        outdated_core_nodes: 1,
        outdated_share_of_core: frac(1, 3),
        outdated_share_of_reachable: 0.25,
        old_protocol_nodes: 1,
        old_protocol_share_of_reachable: 0.25,
      },
      // C: 26.0.0, 27.0.0, 22.0.0, 0.21.0
      {
        run_id: C,
        outdated_before: "22.0",
        min_protocol_version: 70016,
        reachable_nodes: 4,
        core_nodes: 4,
        outdated_core_nodes: 1,
        outdated_share_of_core: 0.25,
        outdated_share_of_reachable: 0.25,
        old_protocol_nodes: 0,
        old_protocol_share_of_reachable: 0,
      },
    ]);
    await lake.connection.run("set variable fluxture_outdated_before = '26.0'");
    await lake.connection.run("set variable fluxture_min_protocol_version = 70015");
    try {
      assert.deepEqual(rounded(await q(`select run_id, outdated_core_nodes, old_protocol_nodes from mart_outdated_versions order by started_at`)), [
        { run_id: A, outdated_core_nodes: 3, old_protocol_nodes: 0 },
        { run_id: Z, outdated_core_nodes: 1, old_protocol_nodes: 0 },
        { run_id: B, outdated_core_nodes: 2, old_protocol_nodes: 0 }, // 0.20.0 and 22.0.0
        { run_id: C, outdated_core_nodes: 2, old_protocol_nodes: 0 }, // 22.0.0 and 0.21.0
      ]);
    } finally {
      await lake.connection.run("reset variable fluxture_outdated_before");
      await lake.connection.run("reset variable fluxture_min_protocol_version");
    }
  });

  test("concentration: HHI, top-N share and Nakamoto coefficient per AS and country", async () => {
    const sql = `select run_id, dimension, reachable_nodes, located_nodes, groups, hhi, top_n, top_n_share, nakamoto_coefficient
      from mart_concentration order by started_at, dimension`;
    assert.deepEqual(rounded(await q(sql)), [
      // A: AS100 {n1, n3}, AS200 {n2}; US {n1, n2}, DE {n3}
      { run_id: A, dimension: "asn", reachable_nodes: 3, located_nodes: 3, groups: 2, hhi: frac(5, 9), top_n: 5, top_n_share: 1, nakamoto_coefficient: 1 },
      { run_id: A, dimension: "country", reachable_nodes: 3, located_nodes: 3, groups: 2, hhi: frac(5, 9), top_n: 5, top_n_share: 1, nakamoto_coefficient: 1 },
      // B: the onion node is reachable but located nowhere; AS100 {n1, n3}, AS300 {n4}; DE, FR, US one each
      { run_id: B, dimension: "asn", reachable_nodes: 4, located_nodes: 3, groups: 2, hhi: frac(5, 9), top_n: 5, top_n_share: 1, nakamoto_coefficient: 1 },
      { run_id: B, dimension: "country", reachable_nodes: 4, located_nodes: 3, groups: 3, hhi: frac(1, 3), top_n: 5, top_n_share: 1, nakamoto_coefficient: 2 },
    ]);
    await lake.connection.run("set variable fluxture_top_n = 1");
    try {
      assert.deepEqual(rounded(await q(`select run_id, dimension, top_n, top_n_share from mart_concentration order by started_at, dimension`)), [
        { run_id: A, dimension: "asn", top_n: 1, top_n_share: frac(2, 3) },
        { run_id: A, dimension: "country", top_n: 1, top_n_share: frac(2, 3) },
        { run_id: B, dimension: "asn", top_n: 1, top_n_share: frac(2, 3) },
        { run_id: B, dimension: "country", top_n: 1, top_n_share: frac(1, 3) },
      ]);
    } finally {
      await lake.connection.run("reset variable fluxture_top_n");
    }
  });

  test("churn: joined, left and stayed between consecutive sealed runs of the same network", async () => {
    const got = rounded(
      await q(
        `select network, run_id, previous_run_id, reachable_nodes, previous_reachable_nodes, joined, left_nodes, stayed, churn_rate from mart_churn order by network, started_at`,
      ),
    );
    assert.deepEqual(got, [
      // A {n1,n2,n3} → B {n1,n3,n4,n5}
      {
        network: "simnet",
        run_id: B,
        previous_run_id: A,
        reachable_nodes: 4,
        previous_reachable_nodes: 3,
        joined: 2,
        left_nodes: 1,
        stayed: 2,
        churn_rate: frac(3, 5),
      },
      // B → C {n1,n2,n4,n6}; the failed run F after C is not a sealed run, and regtest has one run only
      {
        network: "simnet",
        run_id: C,
        previous_run_id: B,
        reachable_nodes: 4,
        previous_reachable_nodes: 4,
        joined: 2,
        left_nodes: 2,
        stayed: 2,
        churn_rate: frac(4, 6),
      },
    ]);
  });

  test("node_reliability: share of runs reachable, first and last seen", async () => {
    const got = rounded(
      await q(`select network, address, network_runs, runs_recorded, runs_reachable, reachable_share, first_seen_run_id, first_seen_at, last_seen_run_id, last_seen_at
      from mart_node_reliability order by network, address`),
    );
    const day = (d: number) => new Date(Date.UTC(2024, 0, d)).toISOString();
    const row = (address: string, recorded: number, reachable: number, first: [string, number] | null, last: [string, number] | null) => ({
      network: "simnet",
      address,
      network_runs: 3,
      runs_recorded: recorded,
      runs_reachable: reachable,
      reachable_share: frac(reachable, 3),
      first_seen_run_id: first?.[0] ?? null,
      first_seen_at: first ? day(first[1]) : null,
      last_seen_run_id: last?.[0] ?? null,
      last_seen_at: last ? day(last[1]) : null,
    });
    assert.deepEqual(got, [
      {
        network: "regtest",
        address: N.m1.address,
        network_runs: 1,
        runs_recorded: 1,
        runs_reachable: 1,
        reachable_share: 1,
        first_seen_run_id: Z,
        first_seen_at: "2024-01-01T12:00:00.000Z",
        last_seen_run_id: Z,
        last_seen_at: "2024-01-01T12:00:00.000Z",
      },
      row(N.n1.address, 3, 3, [A, 1], [C, 3]),
      row(N.n2.address, 3, 2, [A, 1], [C, 3]),
      row(N.n3.address, 3, 2, [A, 1], [B, 2]),
      row(N.n6.address, 3, 1, [C, 3], [C, 3]),
      row(N.n4.address, 3, 2, [B, 2], [C, 3]),
      row(N.n5.address, 2, 1, [B, 2], [B, 2]),
    ]);
  });

  test("unreachable: never-dialed nodes are not failures; each ratio names its denominator", async () => {
    const got = rounded(
      await q(`select run_id, discovered_nodes, not_dialed_nodes, unsupported_network_nodes, dialed_nodes, reachable_nodes, failed_nodes,
        refused_nodes, timeout_nodes, no_route_nodes, reset_nodes, failed_share_of_dialed, not_reachable_share_of_discovered, no_route_share_of_dialed
      from mart_unreachable where network = 'simnet' order by started_at`),
    );
    assert.deepEqual(got, [
      {
        run_id: A,
        discovered_nodes: 6,
        not_dialed_nodes: 1,
        unsupported_network_nodes: 1,
        dialed_nodes: 4,
        reachable_nodes: 3,
        failed_nodes: 1,
        refused_nodes: 0,
        timeout_nodes: 1,
        no_route_nodes: 0,
        reset_nodes: 0,
        failed_share_of_dialed: 0.25,
        not_reachable_share_of_discovered: 0.5,
        no_route_share_of_dialed: 0,
      },
      {
        run_id: B,
        discovered_nodes: 6,
        not_dialed_nodes: 0,
        unsupported_network_nodes: 0,
        dialed_nodes: 6,
        reachable_nodes: 4,
        failed_nodes: 2,
        refused_nodes: 1,
        timeout_nodes: 0,
        no_route_nodes: 1,
        reset_nodes: 0,
        failed_share_of_dialed: frac(2, 6),
        not_reachable_share_of_discovered: frac(2, 6),
        no_route_share_of_dialed: frac(1, 6),
      },
      {
        run_id: C,
        discovered_nodes: 5,
        not_dialed_nodes: 0,
        unsupported_network_nodes: 0,
        dialed_nodes: 5,
        reachable_nodes: 4,
        failed_nodes: 1,
        refused_nodes: 0,
        timeout_nodes: 1,
        no_route_nodes: 0,
        reset_nodes: 0,
        failed_share_of_dialed: 0.2,
        not_reachable_share_of_discovered: 0.2,
        no_route_share_of_dialed: 0,
      },
    ]);
  });

  test("compare_countries: per-country counts across geolocated runs with the change from the previous one", async () => {
    const got = await q(
      `select country_code, run_id, discovered_nodes, reachable_nodes, previous_run_id, previous_reachable_nodes, reachable_change from mart_compare_countries order by country_code nulls last, started_at`,
    );
    assert.deepEqual(got, [
      { country_code: "DE", run_id: A, discovered_nodes: 1, reachable_nodes: 1, previous_run_id: null, previous_reachable_nodes: null, reachable_change: null },
      { country_code: "DE", run_id: B, discovered_nodes: 1, reachable_nodes: 1, previous_run_id: A, previous_reachable_nodes: 1, reachable_change: 0 },
      { country_code: "FR", run_id: A, discovered_nodes: 1, reachable_nodes: 0, previous_run_id: null, previous_reachable_nodes: null, reachable_change: null },
      { country_code: "FR", run_id: B, discovered_nodes: 1, reachable_nodes: 1, previous_run_id: A, previous_reachable_nodes: 0, reachable_change: 1 },
      { country_code: "JP", run_id: A, discovered_nodes: 1, reachable_nodes: 0, previous_run_id: null, previous_reachable_nodes: null, reachable_change: null },
      { country_code: "JP", run_id: B, discovered_nodes: 1, reachable_nodes: 0, previous_run_id: A, previous_reachable_nodes: 0, reachable_change: 0 },
      { country_code: "US", run_id: A, discovered_nodes: 2, reachable_nodes: 2, previous_run_id: null, previous_reachable_nodes: null, reachable_change: null },
      { country_code: "US", run_id: B, discovered_nodes: 2, reachable_nodes: 1, previous_run_id: A, previous_reachable_nodes: 2, reachable_change: -1 },
      { country_code: null, run_id: A, discovered_nodes: 1, reachable_nodes: 0, previous_run_id: null, previous_reachable_nodes: null, reachable_change: null },
      { country_code: null, run_id: B, discovered_nodes: 1, reachable_nodes: 1, previous_run_id: A, previous_reachable_nodes: 0, reachable_change: 1 },
    ]);
  });

  test("int_nodes equals stg_visits ⋈ stg_runs ⟕ stg_geo, duplicates included", async () => {
    const dup = await makeFixtureLake({ breakage: "duplicate_visit" });
    const other = await openLake(dup.dataDir);
    try {
      // a second geo row for n1 in run A, located later, with another country: the later one must win in both
      const { writeParquet } = await import("../../pipeline/snapshot/index.ts");
      const { GEO } = await import("../../pipeline/schema/index.ts");
      const { fixtureRuns, geo } = await import("./fixture.ts");
      const a = fixtureRuns("duplicate_visit")[0]!;
      await writeParquet(join(dup.dataDir, "runs", "network=simnet", `run_id=${dup.ids.A}`, "geo.parquet"), GEO, [
        ...a.geo!,
        geo("n1", "ca", "na", 555, new Date(Date.UTC(2024, 0, 2))),
      ]);
      const viaStaging = await rows(
        other.connection,
        `
        select v.network, v.run_id, r.started_at, r.run_seq, v.address, v.port, v.network_type, v.outcome, v.is_dialed, v.is_reachable,
               v.protocol_version, v.user_agent, gr.run_id is not null as run_is_geolocated, g.country_code, g.continent_code, g.asn, g.as_org
        from stg_visits v join stg_runs r using (network, run_id)
        left join (select distinct network, run_id from stg_geo) gr using (network, run_id)
        left join stg_geo g on g.network = v.network and g.run_id = v.run_id and g.address = v.address
        order by all`,
      );
      assert.deepEqual(await rows(other.connection, "select * from int_nodes order by all"), viaStaging);
      assert.equal(viaStaging.length, 19); // n4 twice in run A: staging and int_nodes both keep what the run holds
      const n1 = viaStaging.filter((r) => r.address === N.n1.address && r.run_id === dup.ids.A);
      assert.deepEqual(
        n1.map((r) => [r.country_code, r.asn]),
        [["CA", 555]],
      );
      const n4 = viaStaging.filter((r) => r.address === N.n4.address && r.run_id === dup.ids.A);
      assert.deepEqual(
        n4.map((r) => r.outcome),
        ["ok", "timeout"],
      );
    } finally {
      await other.close();
      await dup.remove();
    }
  });

  test("materialized mart inputs give the same results as the lazy views", async () => {
    const marts = (await listSqlFiles("marts")).map((f) => f.name);
    const lazy: Record<string, unknown> = {};
    const sorted = (list: readonly unknown[]) => list.map((r) => JSON.stringify(r)).sort();
    for (const m of marts) lazy[m] = sorted(await q(`select * from mart_${m}`));
    const second = await openLake(fx.dataDir);
    try {
      const names = await materializeMartInputs(second.connection);
      assert.deepEqual(names, ["stg_runs", "int_joined_nodes"]);
      for (const m of marts) assert.deepEqual(sorted(await rows(second.connection, `select * from mart_${m}`)), lazy[m], m);
    } finally {
      await second.close();
    }
  });
});
