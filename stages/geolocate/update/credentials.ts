// MaxMind account credentials for update-geo-db: from MAXMIND_ACCOUNT_ID / MAXMIND_LICENSE_KEY or a key file,
// never from a plain command-line value, and never printable (toString/JSON/inspect all redact the key).
import { readFile } from "node:fs/promises";
import { inspect } from "node:util";
import { UsageError } from "../../../pipeline/errors.ts";

/** Where a free GeoLite2 account is made, quoted in every credentials error. */
export const SIGNUP_URL = "https://www.maxmind.com/en/geolite2/signup";

/** An account id and license key; the key is reachable only through basicAuth(). */
export class Credentials {
  readonly accountId: string;
  readonly source: string;
  readonly #licenseKey: string;

  constructor(accountId: string, licenseKey: string, source: string) {
    this.accountId = accountId;
    this.#licenseKey = licenseKey;
    this.source = source;
  }

  /** The `Authorization` header value (HTTP basic: account id and license key). */
  basicAuth(): string {
    return `Basic ${Buffer.from(`${this.accountId}:${this.#licenseKey}`, "utf8").toString("base64")}`;
  }

  /** Redacted text form, so a stray log line cannot leak the key. */
  toString(): string {
    return `MaxMind account ${this.accountId} (license key from ${this.source})`;
  }

  /** Redacted JSON form. */
  toJSON(): Record<string, string> {
    return { accountId: this.accountId, licenseKey: "[redacted]", source: this.source };
  }

  /** Redacted console.log / util.inspect form. */
  [inspect.custom](): string {
    return this.toString();
  }
}

/** Credentials missing or malformed: one line saying where they come from. */
export class CredentialsError extends UsageError {}

const HOW = `set MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY, or pass --license-key-file FILE with \`AccountID <id>\` and \`LicenseKey <key>\` lines (free GeoLite2 account: ${SIGNUP_URL})`;

function checkValues(accountId: string, licenseKey: string, where: string): void {
  if (!/^\d{1,12}$/.test(accountId)) throw new CredentialsError(`MaxMind account id from ${where} must be digits; ${HOW}`);
  if (!/^[\x21-\x7e]{6,128}$/.test(licenseKey))
    throw new CredentialsError(`MaxMind license key from ${where} is malformed (6-128 printable characters, no spaces); ${HOW}`);
}

/**
 * Parses a license key file. Format (the subset of MaxMind's GeoIP.conf that matters here): one `Name value`
 * pair per line, `AccountID <digits>` and `LicenseKey <key>`; `#` comments, blank lines and other GeoIP.conf
 * settings (EditionIDs, …) are ignored. A GeoIP.conf can therefore be used as it is.
 */
export function parseKeyFile(text: string, path: string): Credentials {
  let accountId: string | undefined;
  let licenseKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    const m = /^(\S+)\s+(\S+)$/.exec(line);
    if (!m) continue;
    if (m[1] === "AccountID") accountId = m[2];
    else if (m[1] === "LicenseKey") licenseKey = m[2];
  }
  if (accountId === undefined) throw new CredentialsError(`license key file ${path} has no \`AccountID <id>\` line; ${HOW}`);
  if (licenseKey === undefined) throw new CredentialsError(`license key file ${path} has no \`LicenseKey <key>\` line; ${HOW}`);
  checkValues(accountId, licenseKey, `license key file ${path}`);
  return new Credentials(accountId, licenseKey, path);
}

/** Credentials from the key file if given, else from the environment; a CredentialsError when neither has them. */
export async function loadCredentials(keyFile: string | undefined, env: NodeJS.ProcessEnv): Promise<Credentials> {
  if (keyFile !== undefined) {
    let text: string;
    try {
      text = await readFile(keyFile, "utf8");
    } catch (err) {
      throw new CredentialsError(`cannot read license key file ${keyFile} (${(err as NodeJS.ErrnoException).code ?? "error"}); ${HOW}`);
    }
    return parseKeyFile(text, keyFile);
  }
  const accountId = env.MAXMIND_ACCOUNT_ID?.trim();
  const licenseKey = env.MAXMIND_LICENSE_KEY?.trim();
  if (!accountId || !licenseKey) throw new CredentialsError(`MaxMind credentials missing: ${HOW}`);
  checkValues(accountId, licenseKey, "the environment");
  return new Credentials(accountId, licenseKey, "MAXMIND_LICENSE_KEY");
}
