// Protocol limits and versions, as Bitcoin Core enforces and speaks them.

/** Largest payload a peer may declare (Core's MAX_PROTOCOL_MESSAGE_LENGTH). */
export const MAX_MESSAGE_BYTES = 4_000_000;
/** Most entries an addr/addrv2 message may carry (Core's MAX_ADDR_TO_SEND). */
export const MAX_ADDR_ENTRIES = 1000;
/** Most items an inv message may carry (Core's MAX_INV_SZ). */
export const MAX_INV_ITEMS = 50_000;
/** Longest user agent Core accepts (MAX_SUBVERSION_LENGTH). */
export const MAX_USER_AGENT_BYTES = 256;
/** Longest BIP155 address field (MAX_ADDRV2_SIZE). */
export const MAX_ADDRV2_ADDRESS_BYTES = 512;
/** Largest CompactSize a length/count may hold (Core's MAX_SIZE). */
export const MAX_COMPACT_SIZE = 0x02000000;
/** Protocol version we announce: 70016 = wtxidrelay and sendaddrv2 (BIP155) capable. */
export const PROTOCOL_VERSION = 70016;
/** First version whose version message carries the relay flag (BIP37). */
export const RELAY_FLAG_VERSION = 70001;
/** Bytes in a frame header: magic 4 + command 12 + length 4 + checksum 4. */
export const HEADER_BYTES = 24;
