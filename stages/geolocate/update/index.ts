// `fluxture update-geo-db`: download each edition's tar.gz and its SHA-256 from MaxMind, verify, extract the
// .mmdb, check it opens as that edition, and only when every edition passed, install them all.
import { createHash } from "node:crypto";
import { DataError, UsageError } from "../../../pipeline/errors.ts";
import { log } from "../../../pipeline/log.ts";
import { Progress } from "../../../pipeline/progress.ts";
import { parseMmdb } from "../database.ts";
import { extractMmdb } from "./archive.ts";
import type { Credentials } from "./credentials.ts";
import { fetchAuthorized, parseBaseUrl } from "./http.ts";
import { installDatabase } from "./install.ts";

export { loadCredentials, parseKeyFile, Credentials, CredentialsError } from "./credentials.ts";

/** A checksum mismatch or an unusable .sha256 file. */
export class ChecksumError extends DataError {}

/** Options of updateGeoDb. */
export interface UpdateGeoDbOptions {
  geoDir: string;
  editions: readonly string[];
  baseUrl: string;
  credentials: Credentials;
  progress?: boolean;
}

/** One installed database. */
export interface InstalledDatabase {
  edition: string;
  path: string;
  previous: string | null;
  database_type: string;
  built_at: string;
  release: string;
  bytes: number;
  sha256_archive: string;
}

/** Splits and checks --editions: MaxMind edition ids like GeoLite2-City. */
export function parseEditions(text: string): string[] {
  const editions = text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (editions.length === 0) throw new UsageError("--editions needs at least one edition id, e.g. GeoLite2-City,GeoLite2-ASN");
  for (const e of editions) {
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(e)) throw new UsageError(`--editions: '${e}' is not a MaxMind edition id (letters, digits, '-')`);
  }
  return [...new Set(editions)];
}

/** Download URL of an edition file (`suffix` tar.gz or tar.gz.sha256). */
export function downloadUrl(base: URL, edition: string, suffix: "tar.gz" | "tar.gz.sha256"): URL {
  const url = new URL(`${base.pathname.replace(/\/+$/, "")}/geoip/databases/${encodeURIComponent(edition)}/download`, base);
  url.searchParams.set("suffix", suffix);
  return url;
}

/** Parses a MaxMind `.sha256` file: `<64 hex>  <file name>`. */
export function parseSha256File(text: string, what: string): string {
  const m = /^\s*([0-9a-fA-F]{64})(?:\s+\*?(\S+))?\s*$/.exec(text.split(/\r?\n/).find((l) => l.trim() !== "") ?? "");
  if (!m) throw new ChecksumError(`${what}: the published .sha256 is not '<hex digest>  <file name>'`);
  return m[1]!.toLowerCase();
}

interface Verified {
  edition: string;
  bytes: Buffer;
  type: string;
  builtAt: Date;
  release: string;
  sha256: string;
}

async function downloadEdition(base: URL, edition: string, credentials: Credentials, showProgress: boolean): Promise<Verified> {
  const what = `${edition} archive`;
  const expected = parseSha256File(
    (await fetchAuthorized(downloadUrl(base, edition, "tar.gz.sha256"), credentials, `${edition} checksum`, { maxBytes: 4096 })).toString("utf8"),
    what,
  );
  let received = 0;
  let total: number | null = null;
  const mib = (n: number) => (n / 2 ** 20).toFixed(1);
  const progress = showProgress
    ? new Progress({ render: () => `update-geo-db: downloading ${edition}: ${mib(received)}${total === null ? "" : ` / ${mib(total)}`} MiB` })
    : null;
  let archive: Buffer;
  try {
    archive = await fetchAuthorized(downloadUrl(base, edition, "tar.gz"), credentials, what, {
      onProgress: (r, t) => {
        received = r;
        total = t;
      },
    });
  } finally {
    progress?.stop();
  }
  const actual = createHash("sha256").update(archive).digest("hex");
  if (actual !== expected) throw new ChecksumError(`${what}: SHA-256 mismatch (published ${expected}, downloaded ${actual}); nothing installed`);
  const extracted = await extractMmdb(archive, edition, what);
  const reader = parseMmdb(extracted.bytes, (why) => new DataError(`${what}: ${extracted.member} is not a MaxMind DB file (${why})`));
  const type = reader.metadata.databaseType;
  if (type !== edition) throw new DataError(`${what}: ${extracted.member} is a ${type} database, expected ${edition}`);
  return { edition, bytes: extracted.bytes, type, builtAt: reader.metadata.buildEpoch, release: extracted.release, sha256: actual };
}

/**
 * Downloads and verifies every edition, then installs them (atomic replace, previous kept as `.prev`). Any failure
 * before installing leaves every installed database untouched.
 */
export async function updateGeoDb(opts: UpdateGeoDbOptions): Promise<InstalledDatabase[]> {
  const base = parseBaseUrl(opts.baseUrl);
  const verified: Verified[] = [];
  for (const edition of opts.editions) {
    log("info", `update-geo-db: fetching ${edition} from ${base.host}`);
    verified.push(await downloadEdition(base, edition, opts.credentials, opts.progress ?? false));
  }
  const installed: InstalledDatabase[] = [];
  for (const v of verified) {
    const paths = await installDatabase(opts.geoDir, v.edition, v.bytes);
    installed.push({
      edition: v.edition,
      path: paths.path,
      previous: paths.prev,
      database_type: v.type,
      built_at: v.builtAt.toISOString(),
      release: v.release,
      bytes: v.bytes.length,
      sha256_archive: v.sha256,
    });
  }
  return installed;
}

/** One human line per installed database. */
export function formatInstalled(db: InstalledDatabase): string {
  const prev = db.previous ? `; previous kept as ${db.previous}` : "";
  return `${db.edition}: installed ${db.path} (${db.database_type} built ${db.built_at}, ${(db.bytes / 2 ** 20).toFixed(1)} MiB${prev})`;
}
