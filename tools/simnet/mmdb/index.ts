// Public surface of the MaxMind DB writer and the simnet geography (the rest of the simnet imports this).
export { writeMmdbFile } from "./file.ts";
export { writeMmdb, buildMmdb, type MmdbNetwork, type WriteMmdbOptions, type MmdbStats } from "../../../lib/mmdb/writer.ts";
export { MmdbTyped, MmdbWriteError, uint16, uint32, int32, uint64, uint128, double, float, bytes } from "../../../lib/mmdb/values.ts";
export type { MmdbValue, MmdbMap, MmdbScalarType, MmdbWriteErrorCode } from "../../../lib/mmdb/values.ts";
export {
  assignSimnetGeography,
  buildSimnetGeoDatabases,
  writeSimnetGeoDatabases,
  SIMNET_CITY_FILE,
  SIMNET_ASN_FILE,
  SIMNET_CITY_TYPE,
  SIMNET_ASN_TYPE,
  type SimnetGeoOptions,
  type SimnetGeoDatabases,
} from "./geography.ts";
export { MAX_BLOCKS, type GeoBlockSpec } from "./plan.ts";
export type { GeoPlacement } from "./records.ts";
