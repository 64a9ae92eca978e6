// RFC 4648 base32 (lowercase, no padding) as used by Tor .onion and I2P .b32.i2p names.

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) {
  DECODE[ALPHABET.charCodeAt(i)] = i;
  DECODE[ALPHABET.toUpperCase().charCodeAt(i)] = i;
}

const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const scratch = Buffer.alloc(128); // output characters; base32Encode is synchronous

/** Lowercase base32 text of `bytes`, without padding. */
export function base32Encode(bytes: Uint8Array): string {
  const outLen = Math.ceil((bytes.length * 8) / 5);
  const out = outLen <= scratch.length ? scratch : Buffer.alloc(outLen);
  let n = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc << 8) | bytes[i]!) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[n++] = CODES[(acc >>> bits) & 31]!;
    }
  }
  if (bits > 0) out[n++] = CODES[(acc << (5 - bits)) & 31]!;
  return out.toString("latin1", 0, n);
}

/** Bytes of unpadded base32 text (either case), or undefined when a character is invalid or the
 * leftover padding bits are not zero (so every byte string has exactly one accepted text). */
export function base32Decode(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? DECODE[c]! : -1;
    if (v < 0) return undefined;
    acc = ((acc << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >>> bits) & 0xff;
    }
  }
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
