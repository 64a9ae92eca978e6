// The out-degree histogram: bins, CSV, where the SVG goes, and an SVG that an independent XML parser accepts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { degreeHistogram, histogramCsv, histogramSvg, svgPathFor } from "../../stages/topology/degree-dist.ts";

test("bins count nodes per out-degree, ascending; CSV has a header", () => {
  const bins = degreeHistogram([0, 0, 3, 1000, 3, 0]);
  assert.deepEqual(bins, [
    { degree: 0, nodes: 3 },
    { degree: 3, nodes: 2 },
    { degree: 1000, nodes: 1 },
  ]);
  assert.equal(histogramCsv(bins), "out_degree,nodes\n0,3\n3,2\n1000,1\n");
});

test("the SVG path: x.csv → x.svg, otherwise the name plus .svg", () => {
  assert.equal(svgPathFor("/tmp/deg.csv"), "/tmp/deg.svg");
  assert.equal(svgPathFor("/tmp/deg.CSV"), "/tmp/deg.svg");
  assert.equal(svgPathFor("/tmp/deg"), "/tmp/deg.svg");
  assert.equal(svgPathFor("/tmp/deg.txt"), "/tmp/deg.txt.svg");
});

test("the SVG is well-formed XML (python3 xml.etree), with one point per bin, log ticks and an escaped title", () => {
  const degrees = Array.from({ length: 5000 }, (_, i) => (i < 3000 ? 0 : Math.floor(Math.sqrt(i - 3000) * 20)));
  const bins = degreeHistogram(degrees);
  const svg = histogramSvg(bins, `run <x> & "y"`);
  const py = spawnSync(
    "/usr/bin/python3",
    [
      "-c",
      [
        "import sys, xml.etree.ElementTree as ET",
        "root = ET.fromstring(sys.stdin.read())",
        "ns = '{http://www.w3.org/2000/svg}'",
        "print(len(root.findall(f'.//{ns}circle')), root.find(f'{ns}title').text)",
      ].join("\n"),
    ],
    { input: svg, encoding: "utf8" },
  );
  assert.equal(py.status, 0, py.stderr);
  assert.equal(py.stdout.trim(), `${bins.length} run <x> & "y"`);
  assert.match(svg, />1,000</, "a 10³ tick for 3000 zero-degree nodes");
});
