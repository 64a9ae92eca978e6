// Typed failures of the wire codec. The codec imports only node: built-ins, so these extend Error
// directly; callers map them to their own outcome names (e.g. the crawler's `protocol_error`).

/** Closed set of reasons a peer's bytes are rejected; after any of them the caller drops the peer. */
export type ProtocolErrorCode =
  | "bad_magic" // frame starts with another network's (or no) magic
  | "oversized" // declared payload length above the limit (checked before anything is allocated)
  | "bad_checksum" // payload does not match the header's SHA256d checksum
  | "truncated_payload" // payload ends before a field it has started (or a required field) is complete
  | "malformed" // a field holds an impossible value (non-canonical CompactSize, wrong address length, …)
  | "too_many_entries" // addr/addrv2 over 1000 entries, inv over 50,000 items
  | "bad_command"; // command name not printable ASCII, or non-NUL bytes after the NUL padding

/** Every code, for exhaustive checks in tests and for callers that tabulate failures (visits.protocol_error_code). */
export const PROTOCOL_ERROR_CODES = [
  "bad_magic",
  "oversized",
  "bad_checksum",
  "truncated_payload",
  "malformed",
  "too_many_entries",
  "bad_command",
] as const satisfies readonly ProtocolErrorCode[];

/** The one exception the decoder and the frame parser ever throw on bad input; `code` says why. */
export class ProtocolError extends Error {
  /** Which rule the bytes broke (closed set). */
  readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = "ProtocolError";
    this.code = code;
  }
}

/** A host/address text that is not a valid IPv4, IPv6, .onion or .b32.i2p address (or a bad HOST:PORT). */
export class AddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AddressError";
  }
}
