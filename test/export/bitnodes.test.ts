// The bitnodes export against real bitnodes.io snapshot rows (test/fixtures/bitnodes/snapshot-rows.json): each
// real row is turned into the node it describes, and our row must have the same tokens, in the same lexical
// form (51.0 stays 51.0, unknown coordinates are 0.0, Tor is "TOR"/"Tor network"), except the hostname,
// which Fluxture never resolves (null).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { jsonFloat, renderBitnodes } from "../../stages/export/bitnodes.ts";
import type { ExportNode, ExportRun } from "../../stages/export/model.ts";
import { node } from "./fixtures.ts";

type Fixture = Record<string, unknown> & { sources: { rows: string }[] };
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/bitnodes/snapshot-rows.json"), "utf8")) as Fixture;
const HOSTNAME = 5;

/** JSON tokens as written: strings, numbers (their text), literals. */
function tokens(text: string): string[] {
  return [...text.matchAll(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|null|true|false/g)].map((m) => m[0]);
}

function networkType(key: string): string {
  if (key.includes(".onion")) return key.split(".onion")[0]!.length === 16 ? "onion_v2" : "onion_v3";
  return key.startsWith("[") ? "ipv6" : "ipv4";
}

/** The node a real row describes, as geolocate and the crawl would have recorded it. */
function nodeOf(key: string, row: readonly unknown[]): ExportNode {
  const type = networkType(key);
  const overlay = type.startsWith("onion");
  const host = key.slice(0, key.lastIndexOf(":")).replace(/^\[|\]$/g, "");
  const asn = row[11] as string | null;
  return node({
    address: host,
    port: Number(key.slice(key.lastIndexOf(":") + 1)),
    networkType: type,
    protocolVersion: row[0] as number,
    userAgent: row[1] as string,
    attemptedAt: new Date((row[2] as number) * 1000),
    services: BigInt(row[3] as number),
    startHeight: row[4] as number,
    city: row[6] as string | null,
    countryCode: row[7] as string | null,
    latitude: overlay ? null : (row[8] as number),
    longitude: overlay ? null : (row[9] as number),
    timeZone: row[10] as string | null,
    asn: overlay || asn === null ? null : Number(asn.slice(2)),
    asOrg: overlay ? null : (row[12] as string | null),
  });
}

test("every real bitnodes row is reproduced token for token (hostname aside), floats and Tor naming included", () => {
  let compared = 0;
  for (const { rows } of fixture.sources) {
    const snapshot = fixture[rows] as Record<string, string>;
    for (const [key, text] of Object.entries(snapshot)) {
      const real = JSON.parse(text) as unknown[];
      assert.equal(real.length, 13, `${key} has bitnodes' 13 values`);
      const n = nodeOf(key, real);
      const run: ExportRun = {
        runId: "20260101T000000Z",
        network: "mainnet",
        startedAt: new Date(0),
        nodes: [n],
        edges: { from: new Int32Array(0), to: new Int32Array(0) },
        hasGeo: true,
        hasMetrics: false,
      };
      const doc = renderBitnodes(run);
      const ourKey = JSON.stringify(key);
      const at = doc.indexOf(`${ourKey}:[`);
      assert.ok(at >= 0, `${key} is keyed as bitnodes keys it`);
      const ours = tokens(doc.slice(at + ourKey.length + 1, doc.indexOf("]", doc.indexOf("[", at + ourKey.length)) + 1));
      const expected = tokens(text);
      expected[HOSTNAME] = "null";
      assert.deepEqual(ours, expected, `row ${key}`);
      compared++;
    }
  }
  assert.equal(compared, 7);
});

test("coordinates are JSON floats and unknown ones 0.0; I2P and CJDNS rows are named like Tor's", () => {
  assert.equal(jsonFloat(51), "51.0");
  assert.equal(jsonFloat(-97), "-97.0");
  assert.equal(jsonFloat(37.5985), "37.5985");
  assert.equal(jsonFloat(0), "0.0");
  const nodes = [
    node({ address: "1.2.3.4", latitude: null, longitude: null, city: null, countryCode: null, timeZone: null, asn: null, asOrg: null }),
    node({ address: "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p", port: 0, networkType: "i2p", latitude: null, longitude: null }),
    node({ address: "fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa", networkType: "cjdns", latitude: null, longitude: null }),
  ];
  const text = renderBitnodes({
    runId: "x",
    network: "mainnet",
    startedAt: new Date(0),
    nodes,
    edges: { from: new Int32Array(0), to: new Int32Array(0) },
    hasGeo: true,
    hasMetrics: false,
  });
  const doc = JSON.parse(text) as { nodes: Record<string, unknown[]> };
  assert.match(text, /"1\.2\.3\.4:8333":\[[^\]]*,null,null,0\.0,0\.0,null,null,null\]/);
  assert.deepEqual(doc.nodes["ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p:0"]!.slice(11), ["I2P", "I2P network"]);
  assert.deepEqual(doc.nodes["[fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa]:8333"]!.slice(11), ["CJDNS", "CJDNS network"]);
});
