// Independent readers for the export tests: Python's XML parser and GDAL's ogrinfo (Debian gdal-bin).
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Parses XML with Python's expat-based parser; throws with its message when not well-formed. */
export function assertWellFormedXml(xml: string): void {
  execFileSync("/usr/bin/python3", ["-c", "import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.buffer.read())"], { input: xml });
}

/** Feature counts per layer as GDAL's ogrinfo reports them for a file with the given text. */
export function ogrLayerCounts(text: string, extension: "kml" | "geojson"): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), "fluxture-ogr-"));
  const path = join(dir, `export.${extension}`);
  writeFileSync(path, text);
  return ogrFileLayerCounts(path);
}

/** Feature counts per layer of a file as ogrinfo reports them (a .kmz goes through GDAL's LIBKML driver). */
export function ogrFileLayerCounts(path: string): Map<string, number> {
  const out = execFileSync("ogrinfo", ["-ro", "-al", "-so", path], { encoding: "utf8" });
  const counts = new Map<string, number>();
  let layer = "";
  for (const line of out.split("\n")) {
    const name = /^Layer name: (.*)$/.exec(line);
    if (name) layer = name[1]!.trim();
    const count = /^Feature Count: (\d+)$/.exec(line);
    if (count) counts.set(layer, Number(count[1]));
  }
  return counts;
}
