// Reading back what a snapshot writer made durable (crawl --resume rebuilds its state from it).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB } from "../duckdb.ts";
import type { DatasetSchema } from "../schema/types.ts";
import { compileSchema } from "./columns.ts";
import { listParts } from "./parts.ts";

/**
 * Rows already durable for a dataset of a run: those in its part files, or, when there are none, those in the
 * sealed `<run>/<file>` (the writer turns that file into part 1 when reopened). Values come back as the row types
 * declare them: bigint for BIGINT/UBIGINT, Date for TIMESTAMPTZ, number, string, boolean, null.
 */
export async function readParts<Row>(runDirPath: string, schema: DatasetSchema<Row>): Promise<Row[]> {
  let files = (await listParts(runDirPath, schema)).map((p) => p.path);
  if (files.length === 0) {
    const sealed = join(runDirPath, schema.file);
    if (!existsSync(sealed)) return [];
    files = [sealed];
  }
  const { castSelect } = compileSchema(schema);
  const db = await openDuckDB({ threads: 1 });
  try {
    const list = `[${files.map(quotedString).join(", ")}]`;
    const reader = await db.connection.runAndReadAll(`select ${castSelect} from read_parquet(${list})`);
    return reader.getRowObjectsJS() as Row[];
  } finally {
    db.close();
  }
}
