// The one IP parser: strict IPv4 / IPv6 text → value, by character codes (no split, no intermediate arrays),
// fast enough for geolocate's hot loop and strict enough for user input (it rejects what net.isIP rejects).

/** The u32 value of strict dotted-quad text (4 parts, 0..255, no leading zeros), or -1 when it is not one. */
export function parseIPv4Value(text: string, start = 0, end = text.length): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || parts === 3) return -1;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return -1;
    if (digits === 1 && part === 0) return -1; // a leading zero
    part = part * 10 + d;
    if (++digits > 3 || part > 255) return -1;
  }
  if (digits === 0 || parts !== 3) return -1;
  return (value * 256 + part) >>> 0;
}

/** 4 bytes of strict dotted-quad text, or undefined. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const v = parseIPv4Value(text);
  if (v < 0) return undefined;
  return Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
}

/** parseIPv6Into's scratch words: one shared buffer instead of an allocation per address (synchronous, not re-entrant). */
const WORDS = new Uint16Array(8);

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * Parses IPv6 text (any valid spelling: `::` compression, upper or lower case, an embedded dotted IPv4 tail; no
 * zone id, no brackets) into the 16 bytes of `out`; false, leaving `out` unspecified, when the text is not one.
 */
export function parseIPv6Into(text: string, out: Uint8Array): boolean {
  const len = text.length;
  if (len < 2 || len > 45) return false;
  const words = WORDS;
  let n = 0; // words written
  let gap = -1; // word index where `::` sits
  let i = 0;
  if (text.charCodeAt(0) === 58 /* : */) {
    if (text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < len) {
    let value = 0;
    let digits = 0;
    let j = i;
    for (; j < len; j++) {
      const d = hexDigit(text.charCodeAt(j));
      if (d < 0) break;
      if (++digits > 4) return false;
      value = value * 16 + d;
    }
    if (j < len && text.charCodeAt(j) === 46 /* . */) {
      if (n > 6) return false;
      const v4 = parseIPv4Value(text, i, len);
      if (v4 < 0) return false;
      words[n++] = v4 >>> 16;
      words[n++] = v4 & 0xffff;
      break;
    }
    if (digits === 0 || n === 8) return false;
    words[n++] = value;
    if (j === len) break;
    if (text.charCodeAt(j) !== 58) return false;
    if (j + 1 < len && text.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i = j + 2;
    } else {
      if (j + 1 === len) return false;
      i = j + 1;
    }
  }
  if (gap < 0 ? n !== 8 : n > 7) return false;
  out.fill(0);
  const tail = gap < 0 ? 0 : n - gap;
  const head = n - tail;
  for (let w = 0; w < head; w++) {
    out[w * 2] = words[w]! >>> 8;
    out[w * 2 + 1] = words[w]! & 255;
  }
  for (let w = 0; w < tail; w++) {
    const at = 8 - tail + w;
    out[at * 2] = words[head + w]! >>> 8;
    out[at * 2 + 1] = words[head + w]! & 255;
  }
  return true;
}

/** 16 bytes of IPv6 text (see parseIPv6Into), or undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  return parseIPv6Into(text, out) ? out : undefined;
}

/** An IP address: IPv4 as 4 bytes, IPv6 as 16. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/** Whether 16 bytes are an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
export function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** Parses an IPv4 or IPv6 literal; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) counts as the IPv4 address. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, bytes: v4 };
  const v6 = parseIPv6(text);
  if (v6 === undefined) return undefined;
  return isV4Mapped(v6) ? { family: 4, bytes: v6.slice(12) } : { family: 6, bytes: v6 };
}
