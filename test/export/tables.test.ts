import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { renderTable, TABLE_COLUMNS } from "../../stages/export/table.ts";
import { renderBitnodes } from "../../stages/export/bitnodes.ts";
import { sampleRun } from "./fixtures.ts";

const run = sampleRun();

test("CSV quotes per RFC 4180 and Python's csv module reads back every row and field", () => {
  const csv = renderTable(run.nodes, "csv");
  const rows = JSON.parse(
    execFileSync("/usr/bin/python3", ["-c", "import csv, io, json, sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read())))))"], {
      input: csv,
      encoding: "utf8",
    }),
  ) as string[][];
  assert.deepEqual(
    rows[0],
    TABLE_COLUMNS.map((c) => c.name),
  );
  assert.equal(rows.length, run.nodes.length + 1);
  const evil = rows.find((r) => r[0] === "1.2.3.4")!;
  assert.equal(evil[TABLE_COLUMNS.findIndex((c) => c.name === "version")], `/Evil<script>&"quote'/`);
  const sf = rows.find((r) => r[0] === "5.6.7.8")!;
  assert.equal(sf[TABLE_COLUMNS.findIndex((c) => c.name === "services")], (2n ** 63n + 9n).toString());
  const onion = rows.find((r) => r[0]!.endsWith(".onion"))!;
  assert.equal(onion[TABLE_COLUMNS.findIndex((c) => c.name === "country")], "");
});

test("ARFF declares every attribute, uses ? for missing values and quotes strings", () => {
  const arff = renderTable(run.nodes, "arff", "fluxture-test");
  const lines = arff.trimEnd().split("\n");
  assert.equal(lines[0], "@RELATION 'fluxture-test'");
  const attributes = lines.filter((l) => l.startsWith("@ATTRIBUTE"));
  assert.equal(attributes.length, TABLE_COLUMNS.length);
  assert.ok(attributes.some((a) => a.startsWith("@ATTRIBUTE outcome {ok,no_addr_reply,")));
  const data = lines.slice(lines.indexOf("@DATA") + 1);
  assert.equal(data.length, run.nodes.length);
  for (const row of data) {
    // split on commas outside quotes: every row has one value per attribute
    const values = row.match(/('(?:[^'\\]|\\.)*'|[^,]+)/g)!;
    assert.equal(values.length, TABLE_COLUMNS.length, row);
  }
  assert.ok(arff.includes(`'/Evil<script>&"quote\\'/'`));
  assert.ok(data.find((r) => r.includes(".onion"))!.includes(",?,"));
});

test("JSON lines parse, one object per node, services as an exact 64-bit integer", () => {
  const lines = renderTable(run.nodes, "jsonl").trimEnd().split("\n");
  assert.equal(lines.length, run.nodes.length);
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    Object.keys(parsed[0]!),
    TABLE_COLUMNS.map((c) => c.name),
  );
  const sfLine = lines.find((l) => l.includes('"5.6.7.8"'))!;
  assert.ok(sfLine.includes(`"services":${2n ** 63n + 9n}`));
});

test("bitnodes snapshot: reachable nodes only, bitnodes' field order and types", () => {
  const text = renderBitnodes(run);
  const doc = JSON.parse(text) as { timestamp: number; total_nodes: number; latest_height: number; nodes: Record<string, unknown[]> };
  assert.deepEqual(Object.keys(doc), ["timestamp", "total_nodes", "latest_height", "nodes", "total_nodes_by_network"]);
  assert.equal(doc.timestamp, Date.parse("2026-11-24T12:00:00Z") / 1000);
  const reachable = run.nodes.filter((n) => n.isReachable);
  assert.equal(doc.total_nodes, reachable.length);
  assert.equal(Object.keys(doc.nodes).length, reachable.length);
  assert.equal(doc.latest_height, 870000);
  const byNetwork = (doc as unknown as { total_nodes_by_network: Record<string, number> }).total_nodes_by_network;
  assert.deepEqual(Object.keys(byNetwork).slice(0, 5), ["ipv4", "ipv6", "onion_v3", "i2p", "cjdns"]);
  for (const [t, n] of Object.entries(byNetwork)) assert.equal(n, reachable.filter((x) => x.networkType === t).length, t);
  assert.equal(
    Object.values(byNetwork).reduce((a, b) => a + b, 0),
    reachable.length,
  );
  const entry = doc.nodes["1.2.3.4:8333"]!;
  assert.equal(entry.length, 13);
  assert.deepEqual(entry, [
    70016,
    `/Evil<script>&"quote'/`,
    Date.parse("2026-11-24T12:00:00Z") / 1000,
    3081,
    870000,
    null,
    "Falkenstein",
    "DE",
    50.4779,
    12.3713,
    "Europe/Berlin",
    "AS24940",
    "Hetzner Online GmbH",
  ]);
  assert.ok("[2001:db8::1]:8333" in doc.nodes);
  assert.ok(text.includes(`[70016,"/Satoshi:27.0.0/",${Date.parse("2026-11-24T12:00:00Z") / 1000},${2n ** 63n + 9n},`));
  const types = ["number", "string", "number", "number", "number", "object", "string", "string", "number", "number", "string", "string", "string"];
  assert.deepEqual(
    entry.map((v) => typeof v),
    types,
  );
});
