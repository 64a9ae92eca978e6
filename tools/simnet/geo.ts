// The simnet's MaxMind databases: every peer's /32 and every /24 the simnet occupies (so advertised
// nothing-listens addresses locate too) are dealt over real cities and ASes by the mmdb helper.
import { writeSimnetGeoDatabases, type GeoBlockSpec, type GeoPlacement } from "./mmdb/index.ts";
import { ipv4Text } from "./layout.ts";
import type { SimnetModel } from "./model.ts";

/** Where a peer is, as the simnet databases say (copied into ground-truth.json). */
export interface PeerGeo {
  readonly country: string;
  readonly city: string | null;
  readonly asn: number;
  readonly as_org: string;
}

/** The block plan of a simnet: each peer's address, plus each /24 from the base to the end of the dead pool. */
export function geoBlocks(model: SimnetModel): GeoBlockSpec[] {
  const blocks: GeoBlockSpec[] = [];
  for (let i = 0; i < model.config.nodes; i++) blocks.push(model.slotAddress(i));
  for (let a = model.layout.base; a < model.layout.end; a += 256) blocks.push(`${ipv4Text(a)}/24`);
  return blocks;
}

/** Writes simnet-city.mmdb and simnet-asn.mmdb into `outDir`; returns each peer's placement by address. */
export async function writeGeoDatabases(outDir: string, model: SimnetModel): Promise<Map<string, PeerGeo>> {
  const { assignment } = await writeSimnetGeoDatabases(outDir, {
    blocks: geoBlocks(model),
    seed: model.config.seed,
    buildEpoch: model.config.epoch,
  });
  const byAddress = new Map<string, PeerGeo>();
  for (const p of assignment as readonly GeoPlacement[]) {
    if (!p.cidr.endsWith("/32")) continue;
    byAddress.set(p.cidr.slice(0, -3), { country: p.countryCode, city: p.city, asn: p.asn, as_org: p.asOrg });
  }
  return byAddress;
}
