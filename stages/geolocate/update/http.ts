// HTTP for update-geo-db: basic auth to MaxMind's origin only, redirects followed by hand so the credentials never
// travel to the storage host MaxMind redirects to, and every failure mapped to one line (never containing the key).
import { DataError } from "../../../pipeline/errors.ts";
import type { Credentials } from "./credentials.ts";

/** A download that failed (HTTP status, network, redirect loop, size cap); the message is the one line to print. */
export class DownloadError extends DataError {}

/** Hosts plain http may carry credentials to (tests and local mirrors); anything else needs https. */
function isLoopbackHost(hostname: string): boolean {
  return /^127(?:\.\d{1,3}){3}$/.test(hostname) || hostname === "[::1]" || hostname === "localhost";
}

/** Parses and checks the --base-url: http(s) only, no userinfo, plain http only to loopback. */
export function parseBaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DownloadError(`--base-url '${text}' is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new DownloadError(`--base-url must be http(s), got ${url.protocol}`);
  if (url.username || url.password) throw new DownloadError("--base-url must not contain credentials; use MAXMIND_* or --license-key-file");
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw new DownloadError(`refusing to send MaxMind credentials over plain http to ${url.host}; use https`);
  }
  return url;
}

function statusMessage(status: number, what: string): string {
  switch (status) {
    case 401:
      return `MaxMind refused the credentials for ${what} (HTTP 401): check MAXMIND_ACCOUNT_ID / MAXMIND_LICENSE_KEY or the --license-key-file`;
    case 403:
      return `MaxMind denied ${what} (HTTP 403): the account has no access to this edition or the license key is not active yet`;
    case 404:
      return `MaxMind has no ${what} (HTTP 404): check the --editions name`;
    case 429:
      return `MaxMind rate-limited ${what} (HTTP 429): try again later`;
    default:
      return `download of ${what} failed: HTTP ${status}`;
  }
}

/** Options of fetchAuthorized. */
export interface FetchOptions {
  /** Called with (bytes so far, total or null) while the body arrives. */
  onProgress?: (received: number, total: number | null) => void;
  maxBytes?: number;
  timeoutMs?: number;
  maxRedirects?: number;
}

/**
 * GETs `url` with basic auth sent only while the request stays on `url`'s origin; follows up to maxRedirects
 * redirects (credentials dropped on any other origin) and returns the whole body. `what` names it in errors.
 */
export async function fetchAuthorized(url: URL, credentials: Credentials, what: string, opts: FetchOptions = {}): Promise<Buffer> {
  const origin = url.origin;
  const maxBytes = opts.maxBytes ?? 2 ** 31;
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 15 * 60_000);
  let current = url;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { "user-agent": "fluxture-update-geo-db" };
    if (current.origin === origin) headers.authorization = credentials.basicAuth();
    let response: Response;
    try {
      response = await fetch(current, { headers, redirect: "manual", signal });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new DownloadError(`cannot download ${what} from ${current.host}: ${cause}`);
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (location === null) throw new DownloadError(`download of ${what}: HTTP ${response.status} without a Location header`);
      if (hop >= (opts.maxRedirects ?? 5)) throw new DownloadError(`download of ${what}: too many redirects`);
      const next = new URL(location, current);
      if (next.protocol !== "https:" && next.protocol !== "http:") throw new DownloadError(`download of ${what}: redirect to ${next.protocol} refused`);
      if (current.protocol === "https:" && next.protocol === "http:") throw new DownloadError(`download of ${what}: redirect from https to plain http refused`);
      current = next;
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new DownloadError(statusMessage(response.status, what));
    }
    return readBody(response, what, maxBytes, opts.onProgress);
  }
}

async function readBody(response: Response, what: string, maxBytes: number, onProgress: FetchOptions["onProgress"]): Promise<Buffer> {
  const lengthHeader = response.headers.get("content-length");
  const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
  if (total !== null && total > maxBytes) throw new DownloadError(`download of ${what} is ${total} bytes, over the ${maxBytes}-byte cap`);
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    if (response.body) {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        received += chunk.length;
        if (received > maxBytes) throw new DownloadError(`download of ${what} exceeds the ${maxBytes}-byte cap`);
        chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
        onProgress?.(received, total);
      }
    }
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    throw new DownloadError(`download of ${what} broke off after ${received} bytes: ${(err as Error).message}`);
  }
  if (total !== null && received !== total) throw new DownloadError(`download of ${what} ended after ${received} of ${total} bytes`);
  return Buffer.concat(chunks, received);
}
