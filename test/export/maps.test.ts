import { test } from "node:test";
import assert from "node:assert/strict";
import { buildLayer, sphericalCentroid } from "../../stages/export/layer.ts";
import { buildKml, NODE_ICON_HREF } from "../../stages/export/kml.ts";
import { buildGeoJson } from "../../stages/export/geojson.ts";
import { ARC_POINTS, liftedArc } from "../../stages/export/arcs.ts";
import { node, sampleRun } from "./fixtures.ts";
import { assertWellFormedXml, ogrLayerCounts } from "./readers.ts";

const run = sampleRun();
const located = run.nodes.filter((n) => n.latitude !== null).length;

test("KML is well-formed, escapes hostile user agents, and GDAL counts every node and edge", () => {
  const layer = buildLayer(run, { groupBy: "ip", edges: "all", maxEdges: 50_000 });
  const kml = buildKml(run, layer, { groupBy: "ip", scaleByPagerank: true });
  assertWellFormedXml(kml);
  assert.ok(kml.includes("/Evil&lt;script&gt;&amp;&quot;quote&apos;/"));
  assert.ok(!kml.includes("<script>"));
  const counts = ogrLayerCounts(kml, "kml");
  assert.equal(counts.get(`Nodes (${located})`), located);
  // 5 drawable edges: the edge to the unlocated onion node is not drawable.
  assert.equal(layer.edges.length, 5);
  assert.equal(layer.edgesUnlocated, 1);
  assert.equal(counts.get("Edges (5)"), 5);
});

test("KML placemark ids are unique and every styleUrl resolves to a Style in the document", () => {
  const layer = buildLayer(run, { groupBy: "ip", edges: "all", maxEdges: 50_000 });
  const kml = buildKml(run, layer, { groupBy: "ip", scaleByPagerank: true });
  const ids = [...kml.matchAll(/<Placemark id="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length);
  const styles = new Set([...kml.matchAll(/<Style id="([^"]+)"/g)].map((m) => m[1]));
  for (const m of kml.matchAll(/<styleUrl>#([^<]+)<\/styleUrl>/g)) assert.ok(styles.has(m[1]), `style ${m[1]} is defined`);
  for (const m of kml.matchAll(/<href>([^<]+)<\/href>/g)) assert.equal(m[1], NODE_ICON_HREF);
});

test("icon scale runs 1–5 with pagerank, and is uniform with --no-pagerank", () => {
  const layer = buildLayer(run, { groupBy: "ip", edges: "none", maxEdges: 0 });
  const scaled = buildKml(run, layer, { groupBy: "ip", scaleByPagerank: true });
  const used = new Set([...scaled.matchAll(/<styleUrl>#node-(\d)<\/styleUrl>/g)].map((m) => Number(m[1])));
  assert.ok(used.has(1) && used.has(5), `scales used: ${[...used]}`);
  const flat = buildKml(run, layer, { groupBy: "ip", scaleByPagerank: false });
  assert.deepEqual(new Set([...flat.matchAll(/<styleUrl>#node-(\d)<\/styleUrl>/g)].map((m) => m[1])), new Set(["1"]));
  assert.ok(!flat.includes('<Folder id="edges">'));
});

test("edges are great-circle arcs of 20 points lifted with altitude proportional to distance", () => {
  const fra = { latitude: 50.11, longitude: 8.68 };
  const nyc = { latitude: 40.71, longitude: -74.0 };
  const ber = { latitude: 52.52, longitude: 13.4 };
  const long = liftedArc(fra, nyc);
  const short = liftedArc(fra, ber);
  assert.equal(long.length, ARC_POINTS);
  assert.equal(long[0]![2], 0);
  assert.equal(long[long.length - 1]![2], 0);
  const peak = (arc: [number, number, number][]) => Math.max(...arc.map((p) => p[2]));
  assert.ok(peak(long) > 10 * peak(short), `${peak(long)} vs ${peak(short)}`);
  // a great circle from Frankfurt to New York passes north of both ends
  assert.ok(Math.max(...long.map((p) => p[1])) > 52);
});

test("grouping by country puts one placemark per country at its members' centroid and lists them", () => {
  const layer = buildLayer(run, { groupBy: "country", edges: "all", maxEdges: 50_000 });
  const names = layer.points.map((p) => p.name).sort();
  assert.deepEqual(names, ["DE", "JP", "US"]);
  const us = layer.points.find((p) => p.name === "US")!;
  assert.equal(us.members.length, 2);
  const centre = sphericalCentroid(us.members.map((m) => ({ latitude: m.latitude!, longitude: m.longitude! })));
  assert.equal(us.latitude, centre.latitude);
  assert.ok(us.longitude < -77.4 && us.longitude > -122.5);
  const kml = buildKml(run, layer, { groupBy: "country", scaleByPagerank: true });
  assertWellFormedXml(kml);
  assert.ok(kml.includes("5.6.7.8:8333") && kml.includes("9.9.9.9:8333"));
  // DE has 3 located members (two reachable, one timeout), internal edges are not drawn
  assert.equal(layer.points.find((p) => p.name === "DE")!.members.length, 3);
});

test("--max-edges keeps the strongest edges first", () => {
  const all = buildLayer(run, { groupBy: "ip", edges: "all", maxEdges: 50_000 });
  const capped = buildLayer(run, { groupBy: "ip", edges: "all", maxEdges: 2 });
  assert.equal(capped.edges.length, 2);
  assert.equal(capped.edgesDropped, all.edges.length - 2);
  assert.deepEqual(capped.edges, all.edges.slice(0, 2));
  assert.ok(capped.edges[0]!.strength >= capped.edges[1]!.strength);
});

test("GeoJSON is an RFC 7946 FeatureCollection GDAL reads, with edges split at the antimeridian", () => {
  const layer = buildLayer(run, { groupBy: "ip", edges: "all", maxEdges: 50_000 });
  const fc = buildGeoJson(layer, "ip");
  assert.equal(fc.type, "FeatureCollection");
  const points = fc.features.filter((f) => f.geometry.type === "Point");
  assert.equal(points.length, located);
  const withEvil = points.find((f) => f.properties?.address === "1.2.3.4")!;
  assert.equal(withEvil.properties?.user_agent, `/Evil<script>&"quote'/`);
  const sf = points.find((f) => f.properties?.address === "5.6.7.8")!;
  assert.equal(sf.properties?.pagerank, 0.15);
  assert.ok([1, 2, 3, 4, 5].includes(sf.properties?.rank_scale as number), "styled by rank like the KML");
  const lines = fc.features.filter((f) => f.geometry.type !== "Point");
  assert.equal(lines.length, 5);
  const pacific = lines.find((f) => f.properties?.from === "[2001:db8::1]:8333")!;
  assert.equal(pacific.geometry.type, "MultiLineString");
  for (const f of fc.features) {
    const coords = JSON.stringify(f.geometry);
    for (const m of coords.matchAll(/\[(-?[\d.e-]+),(-?[\d.e-]+)\]/g)) {
      assert.ok(Math.abs(Number(m[1])) <= 180 && Math.abs(Number(m[2])) <= 90, `position ${m[0]} in range`);
    }
  }
  const counts = ogrLayerCounts(JSON.stringify(fc), "geojson");
  assert.equal(
    [...counts.values()].reduce((a, b) => a + b, 0),
    located + 5,
  );
});

test("our great-circle points agree with turf's within 0.01° (turf is the reference), and split cleanly at ±180°", async () => {
  const { greatCircle } = await import("@turf/great-circle");
  const { greatCirclePoints, arcPaths } = await import("../../stages/export/arcs.ts");
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let compared = 0;
  for (let i = 0; i < 300; i++) {
    const from = { latitude: random() * 160 - 80, longitude: random() * 360 - 180 };
    const to = { latitude: random() * 160 - 80, longitude: random() * 360 - 180 };
    const turf = greatCircle([from.longitude, from.latitude], [to.longitude, to.latitude], { npoints: 20 }).geometry;
    const ours = greatCirclePoints(from, to, 20);
    if (turf.type === "LineString") {
      turf.coordinates.forEach((p, j) => {
        const dLon = Math.abs(((p[0]! - ours[j]![0]! + 540) % 360) - 180);
        assert.ok(dLon < 0.01 && Math.abs(p[1]! - ours[j]![1]!) < 0.01, `point ${j} of arc ${i}: turf ${p} vs ours ${ours[j]}`);
      });
      compared++;
    }
    const paths = arcPaths(from, to);
    for (const path of paths) for (const [lon, lat] of path) assert.ok(Math.abs(lon!) <= 180 && Math.abs(lat!) <= 90);
    for (let k = 1; k < paths.length; k++) {
      const end = paths[k - 1]![paths[k - 1]!.length - 1]!;
      const start = paths[k]![0]!;
      assert.equal(Math.abs(end[0]!), 180);
      assert.equal(start[0], -end[0]!);
      assert.equal(start[1], end[1]);
    }
  }
  assert.ok(compared > 200, `compared ${compared} arcs`);
});

test("default edges sum the node edges between cities (internal ones dropped), heaviest first; countries likewise", () => {
  // extra node edges: the timeout node in Falkenstein → Nuremberg, Nuremberg → Falkenstein, and one inside Falkenstein
  const extra = [
    [6, 1],
    [1, 0],
    [0, 6],
  ];
  const from = Int32Array.from([...run.edges.from, ...extra.map((e) => e[0]!)]);
  const to = Int32Array.from([...run.edges.to, ...extra.map((e) => e[1]!)]);
  const wider = { ...run, edges: { from, to } };
  const cities = buildLayer(wider, { groupBy: "ip", edges: "city", maxEdges: 1000 });
  assert.equal(cities.points.length, located, "points stay one per node");
  const arcs = cities.edges.map((e) => `${e.from.name}>${e.to.name}:${e.weight}`);
  assert.equal(arcs[0], "Falkenstein, DE>Nuremberg, DE:2");
  assert.deepEqual(
    new Set(arcs.slice(1)),
    new Set([
      "Nuremberg, DE>Falkenstein, DE:1",
      "Falkenstein, DE>Tokyo, JP:1",
      "Tokyo, JP>San Francisco, US:1",
      "San Francisco, US>Ashburn, US:1",
      "Ashburn, US>Falkenstein, DE:1",
    ]),
  );
  assert.equal(cities.edgesUnlocated, 1);
  const countries = buildLayer(wider, { groupBy: "ip", edges: "country", maxEdges: 1000 });
  assert.deepEqual(new Set(countries.edges.map((e) => `${e.from.name}>${e.to.name}:${e.weight}`)), new Set(["DE>JP:1", "JP>US:1", "US>DE:1"]));
  const top = buildLayer(wider, { groupBy: "ip", edges: "city", maxEdges: 1 });
  assert.equal(top.edges.length, 1);
  assert.equal(top.edges[0]!.weight, 2);
  const kml = buildKml(wider, cities, { groupBy: "ip", scaleByPagerank: true });
  assertWellFormedXml(kml);
  assert.equal(ogrLayerCounts(kml, "kml").get("Edges between cities (6)"), 6);
  assert.ok(kml.includes("<styleUrl>#edge-5</styleUrl>") && kml.includes("<styleUrl>#edge-1</styleUrl>"), "width by weight");
});

test("a point is drawn at its node's own coordinates bit for bit; a group's centroid only when members differ", () => {
  const odd = { latitude: 50.4779, longitude: 12.3713 }; // its spherical centroid is 50.47789999999999
  const nodes = [
    node({ address: "7.7.7.7", ...odd }),
    node({ address: "7.7.7.8", ...odd }),
    node({ address: "8.8.8.8", city: "Elsewhere", latitude: 10.1, longitude: 20.2 }),
  ];
  const single = { ...run, nodes, edges: { from: new Int32Array(0), to: new Int32Array(0) } };
  const layer = buildLayer(single, { groupBy: "ip", edges: "none", maxEdges: 0 });
  const fc = buildGeoJson(layer, "ip");
  const position = (fc.features[0]!.geometry as { coordinates: number[] }).coordinates;
  assert.ok(Object.is(position[0], odd.longitude) && Object.is(position[1], odd.latitude));
  // the spherical centroid of one point is not the point: that is what used to move them by up to 4e-14°
  const c = sphericalCentroid([odd]);
  assert.ok(c.latitude !== odd.latitude || c.longitude !== odd.longitude, "the trigonometric round trip changes this point");
  const byCity = buildLayer(single, { groupBy: "city", edges: "none", maxEdges: 0 });
  const falkenstein = byCity.points.find((p) => p.members.length === 2)!;
  assert.equal(falkenstein.latitude, odd.latitude);
  assert.equal(falkenstein.longitude, odd.longitude);
  const byCountry = buildLayer(single, { groupBy: "country", edges: "none", maxEdges: 0 });
  assert.deepEqual(byCountry.points[0]!.latitude, sphericalCentroid(nodes.map((n) => ({ latitude: n.latitude!, longitude: n.longitude! }))).latitude);
});
