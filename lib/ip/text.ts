// IPv4 / IPv6 bytes → text: dotted quad, and RFC 5952 text for IPv6 (one host, one spelling). Parsing: parse.ts.

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
