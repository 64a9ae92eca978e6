// Generates a big synthetic lake for bench/marts.bench.ts with DuckDB SQL itself: one visits.parquet and one
// geo.parquet per run (`copy (select … from range(n)) to …`), plus a succeeded manifest per run.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB } from "../pipeline/duckdb.ts";
import { writeFileAtomic } from "../pipeline/fsutil.ts";
import type { Manifest } from "../pipeline/runs.ts";
import { runDir } from "../pipeline/runs.ts";

/** Size of the generated lake. */
export interface LakeSize {
  readonly runs: number;
  readonly nodesPerRun: number;
}

/** Run id of the i-th generated run: one hour apart from 2024-01-01T00:00:00Z. */
export function benchRunId(i: number): string {
  return new Date(Date.UTC(2024, 0, 1) + i * 3_600_000)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

// Node k of the population; run i visits nodes i*shift … i*shift + nodesPerRun - 1, so consecutive runs overlap.
// hash(k) picks stable per-node traits (type, agent, country, AS); hash(k, i) picks the run's outcome.
function visitsSelect(i: number, size: LakeSize): string {
  const shift = Math.max(1, Math.floor(size.nodesPerRun / 100));
  return `
with nodes as (
    select ${i * shift} + r as k, (hash(${i * shift} + r) % 1000000007)::bigint as h, (hash(${i * shift} + r, ${i}) % 1000000007)::bigint as hr from range(${size.nodesPerRun}) t(r)
)
select
    case when h % 10 < 8 then '10.' || (k // 65536 % 256) || '.' || (k // 256 % 256) || '.' || (k % 256)
         when h % 10 = 8 then '2001:db8::' || printf('%x', k)
         else 'n' || k || 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion' end as address,
    (8333 + (h // 7 % 3 = 0)::integer)::usmallint as port,
    case when h % 10 < 8 then 'ipv4' when h % 10 = 8 then 'ipv6' else 'onion_v3' end as network_type,
    'peer' as source,
    1 as depth,
    timestamptz '2024-01-01 00:00:00+00' + to_hours(${i}) + to_milliseconds(k % 3600000) as attempted_at,
    case when hr % 100 < 45 then 'ok' when hr % 100 < 50 then 'no_addr_reply' when hr % 100 < 70 then 'timeout'
         when hr % 100 < 85 then 'refused' when hr % 100 < 90 then 'unreachable' when hr % 100 < 95 then 'not_dialed'
         else 'reset' end as outcome,
    null::varchar as error_detail,
    (hr % 500)::integer as connect_ms,
    (hr % 300)::integer as handshake_ms,
    null::integer as getaddr_ms,
    case when hr % 100 < 50 then [70016, 70016, 70016, 70015, 70015, 70014, 70012, 70016][h // 11 % 8 + 1] end as protocol_version,
    case when hr % 100 < 50 then 1033::ubigint end as services,
    case when hr % 100 < 50 then ['/Satoshi:27.0.0/', '/Satoshi:26.0.0/', '/Satoshi:25.1.0/', '/Satoshi:24.0.1/',
        '/Satoshi:23.0.0/', '/Satoshi:22.0.0/', '/Satoshi:0.21.1/', '/Satoshi:0.20.1/', '/Satoshi:0.18.0/',
        '/Satoshi:25.0.0/Knots:20230807/', '/btcd:0.24.0/', '/Satoshi:26.1.0/'][h // 13 % 12 + 1] end as user_agent,
    case when hr % 100 < 50 then 840000 + ${i} end as start_height,
    case when hr % 100 < 50 then true end as relay,
    case when hr % 100 < 50 then 1704067200::bigint end as peer_time,
    (hr % 100 < 45)::integer as addr_messages,
    case when hr % 100 < 45 then 1000 else 0 end as addrs_received
from nodes`;
}

function geoSelect(i: number, size: LakeSize): string {
  const shift = Math.max(1, Math.floor(size.nodesPerRun / 100));
  return `
with nodes as (
    select ${i * shift} + r as k, (hash(${i * shift} + r) % 1000000007)::bigint as h from range(${size.nodesPerRun}) t(r)
),
ips as (
    select * from nodes where h % 10 < 9
)
select distinct on (address)
    case when h % 10 < 8 then '10.' || (k // 65536 % 256) || '.' || (k // 256 % 256) || '.' || (k % 256)
         else '2001:db8::' || printf('%x', k) end as address,
    'located' as status,
    ['US', 'DE', 'FR', 'NL', 'CA', 'GB', 'FI', 'JP', 'SG', 'CH', 'AU', 'BR'][least(h // 17 % 40, 11) + 1] as country_code,
    ['NA', 'EU', 'EU', 'EU', 'NA', 'EU', 'EU', 'AS', 'AS', 'EU', 'OC', 'SA'][least(h // 17 % 40, 11) + 1] as continent_code,
    null::varchar as city,
    null::varchar as subdivision,
    (h % 180)::double - 90 as latitude,
    (h % 360)::double - 180 as longitude,
    100 as accuracy_radius_km,
    null::varchar as time_zone,
    (1000 + floor(sqrt(h // 19 % 250000)))::uinteger as asn,
    'AS' || (1000 + floor(sqrt(h // 19 % 250000)))::integer as as_org,
    timestamptz '2024-01-01 00:00:00+00' as city_db_built_at,
    timestamptz '2024-01-01 00:00:00+00' as asn_db_built_at,
    timestamptz '2024-01-01 00:00:00+00' + to_hours(${i}) as located_at
from ips`;
}

/** Writes `size.runs` sealed simnet runs under `dataDir`; returns the total visits rows. */
export async function generateLake(dataDir: string, size: LakeSize): Promise<number> {
  const db = await openDuckDB();
  try {
    for (let i = 0; i < size.runs; i++) {
      const id = benchRunId(i);
      const dir = runDir(dataDir, "simnet", id);
      await mkdir(dir, { recursive: true });
      await db.connection.run(`copy (${visitsSelect(i, size)}) to ${quotedString(join(dir, "visits.parquet"))} (format parquet, compression zstd)`);
      await db.connection.run(`copy (${geoSelect(i, size)}) to ${quotedString(join(dir, "geo.parquet"))} (format parquet, compression zstd)`);
      const started = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000);
      const manifest: Manifest = {
        run_id: id,
        network: "simnet",
        state: "succeeded",
        started_at: started.toISOString(),
        finished_at: new Date(started.getTime() + 600_000).toISOString(),
        options: { generated: true },
        counts: { visits: size.nodesPerRun },
        tool_version: "bench",
        stages: {},
      };
      await writeFileAtomic(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    }
  } finally {
    db.close();
  }
  return size.runs * size.nodesPerRun;
}
