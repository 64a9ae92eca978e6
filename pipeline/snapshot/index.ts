// The snapshot writer's public surface: SnapshotWriter, readParts, writeParquet.
export { SnapshotWriter, type SnapshotWriterOptions } from "./writer.ts";
export { readParts } from "./read.ts";
export { writeParquet } from "./parquet.ts";
export { listParts, partsDir, settleSeal, type PartFile } from "./parts.ts";
