// Dataset schemas: the columns docs/DATA.md promises users, well-formed definitions, and docs/DATA.md generated from them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { renderDataDoc } from "../../pipeline/schema/doc.ts";
import { ADDRS, DATASETS, defineDataset, GEO, NODE_METRICS, VISIT_OUTCOMES, VISITS } from "../../pipeline/schema/index.ts";

const names = (cols: readonly { name: string }[]) => cols.map((c) => c.name);

test("visits, addrs, geo and node_metrics have the documented columns (run_id comes from the folder)", () => {
  assert.deepEqual(names(VISITS.columns), [
    "address",
    "port",
    "network_type",
    "source",
    "depth",
    "attempted_at",
    "outcome",
    "error_detail",
    "protocol_error_code",
    "timeout_phase",
    "connect_ms",
    "handshake_ms",
    "getaddr_ms",
    "protocol_version",
    "services",
    "user_agent",
    "user_agent_hex",
    "start_height",
    "relay",
    "peer_time",
    "addr_messages",
    "addrs_received",
    "advertised_by",
  ]);
  assert.deepEqual(names(ADDRS.columns), [
    "source_address",
    "source_port",
    "address",
    "port",
    "network_type",
    "services",
    "advertised_at",
    "message",
    "in_reply",
  ]);
  for (const c of [
    "address",
    "country_code",
    "continent_code",
    "city",
    "subdivision",
    "latitude",
    "longitude",
    "accuracy_radius_km",
    "time_zone",
    "asn",
    "as_org",
    "city_db_built_at",
    "asn_db_built_at",
    "located_at",
  ]) {
    assert.ok(names(GEO.columns).includes(c), `geo.${c}`);
  }
  for (const c of [
    "address",
    "port",
    "in_degree",
    "out_degree",
    "pagerank",
    "weighted_pagerank",
    "eigenvector",
    "betweenness",
    "closeness",
    "component",
    "community",
  ]) {
    assert.ok(names(NODE_METRICS.columns).includes(c), `node_metrics.${c}`);
  }
  for (const d of DATASETS) assert.ok(!names(d.columns).includes("run_id") && !names(d.columns).includes("network"), `${d.name} must not store hive columns`);
  const col = (name: string) => VISITS.columns.find((c) => c.name === name)!;
  assert.equal(col("services").type, "UBIGINT");
  assert.equal(col("attempted_at").type, "TIMESTAMPTZ");
  assert.equal(NODE_METRICS.columns.find((c) => c.name === "closeness")!.nullable, true);
  assert.ok(VISIT_OUTCOMES.includes("not_dialed"));
  assert.ok(col("outcome").meaning.includes("not_dialed"));
});

test("every column has a type, a nullability and a one-line meaning; files are <name>.parquet", () => {
  for (const d of DATASETS) {
    assert.equal(d.file, `${d.name}.parquet`);
    for (const c of d.columns) {
      assert.ok(c.meaning.length > 5 && !c.meaning.includes("\n"), `${d.name}.${c.name} meaning`);
      assert.equal(typeof c.nullable, "boolean");
      assert.ok(c.name.endsWith("_at") ? c.type === "TIMESTAMPTZ" : true, `${d.name}.${c.name}: _at columns are timestamps`);
    }
    for (const k of d.key) assert.equal(d.columns.find((c) => c.name === k)?.nullable, false, `${d.name} key ${k} is NOT NULL`);
  }
  assert.throws(
    () => defineDataset({ name: "x", file: "x.parquet", description: "", key: [], columns: [{ name: "Bad", type: "VARCHAR", nullable: true, meaning: "m" }] }),
    /bad column name/,
  );
  assert.throws(() => defineDataset({ name: "x", file: "x.parquet", description: "", key: ["nope"], columns: [] }), /key column/);
});

test("docs/DATA.md is exactly what scripts/gen-data-doc.ts generates from the schemas", () => {
  const onDisk = readFileSync(fileURLToPath(new URL("../../docs/DATA.md", import.meta.url)), "utf8");
  assert.equal(onDisk, renderDataDoc(), "docs/DATA.md is stale: run node --import tsx scripts/gen-data-doc.ts");
  for (const d of DATASETS)
    for (const c of d.columns) assert.ok(onDisk.includes(`| \`${c.name}\` | ${c.type} | ${c.nullable ? "yes" : "no"} |`), `${d.name}.${c.name}`);
});
