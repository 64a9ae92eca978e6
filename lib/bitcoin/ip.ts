// IPv4 / IPv6 text ↔ bytes: strict parsing, and RFC 5952 text for IPv6 (one host, one spelling).

const IPV4_CACHE_LIMIT = 1 << 17;
let ipv4Cache = new Map<number, string>();

/** Dotted-quad text of 4 bytes at `off` in `b`. Crawls see the same addresses in many replies, so texts are
 * interned in a bounded cache: one flat string per address (hashed once by later Map lookups), less garbage. */
export function ipv4Text(b: Uint8Array, off = 0): string {
  const key = ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
  let text = ipv4Cache.get(key);
  if (text === undefined) {
    if (ipv4Cache.size >= IPV4_CACHE_LIMIT) ipv4Cache = new Map();
    text = `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
    ipv4Cache.set(key, text);
  }
  return text;
}

/** 4 bytes of strict dotted-quad text (no leading zeros, each part 0..255), or undefined. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (p.length === 0 || p.length > 3 || (p.length > 1 && p[0] === "0")) return undefined;
    let v = 0;
    for (let j = 0; j < p.length; j++) {
      const d = p.charCodeAt(j) - 48;
      if (d < 0 || d > 9) return undefined;
      v = v * 10 + d;
    }
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

const HEX_CODES = Uint8Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
const groups = new Int32Array(8); // scratch: the formatters are synchronous and not re-entrant
const text = Buffer.alloc(40); // longest IPv6 text is 39 characters

/** RFC 5952 text of 16 bytes at `off`: lowercase, no leading zeros, the longest run (≥ 2) of zero
 * groups compressed to "::" (the first one on ties), all-hex (no dotted tail). Hot path of addr
 * decoding: characters go into a scratch buffer, one string is made at the end. */
export function ipv6Text(b: Uint8Array, off = 0): string {
  const g = groups;
  for (let i = 0; i < 8; i++) g[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const resume = bestStart + bestLen;
  const out = text;
  let n = 0;
  for (let i = 0; i < 8; ) {
    if (i === bestStart) {
      out[n++] = 58; // ':'
      out[n++] = 58;
      i = resume;
      continue;
    }
    if (i > 0 && i !== resume) out[n++] = 58;
    const v = g[i]!;
    if (v >= 0x1000) out[n++] = HEX_CODES[v >> 12]!;
    if (v >= 0x100) out[n++] = HEX_CODES[(v >> 8) & 15]!;
    if (v >= 0x10) out[n++] = HEX_CODES[(v >> 4) & 15]!;
    out[n++] = HEX_CODES[v & 15]!;
    i++;
  }
  return out.toString("latin1", 0, n);
}

function parseGroups(part: string, allowV4Tail: boolean): number[] | undefined {
  if (part === "") return [];
  const pieces = part.split(":");
  const out: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (allowV4Tail && i === pieces.length - 1 && p.includes(".")) {
      const v4 = parseIPv4(p);
      if (!v4) return undefined;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      continue;
    }
    if (p.length === 0 || p.length > 4) return undefined;
    let v = 0;
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else return undefined;
      v = (v << 4) | d;
    }
    out.push(v);
  }
  return out;
}

/** 16 bytes of IPv6 text (any valid spelling, with an optional dotted IPv4 tail; no zone id), or undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const dbl = text.indexOf("::");
  let groups: number[] | undefined;
  if (dbl < 0) {
    groups = parseGroups(text, true);
    if (groups?.length !== 8) return undefined;
  } else {
    if (text.indexOf("::", dbl + 1) >= 0) return undefined;
    const head = parseGroups(text.slice(0, dbl), false);
    const tail = parseGroups(text.slice(dbl + 2), true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
  return out;
}
