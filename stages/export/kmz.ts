// KMZ: a KML document zipped as `doc.kml`, the form Google Earth users exchange (fflate does the deflate).
import { strToU8, zipSync } from "fflate";

/** The KMZ archive of a KML document. */
export function kmz(kml: string): Uint8Array {
  return zipSync({ "doc.kml": [strToU8(kml), { level: 6 }] }, { mtime: new Date("2000-01-01T00:00:00Z") });
}
