// The pure Bitcoin wire codec: bytes in, readonly objects out. Imports only node: built-ins.
export { CHAINS, chainByMagic, type ChainName, type ChainParams } from "./chains.ts";
export {
  HEADER_BYTES,
  MAX_ADDR_ENTRIES,
  MAX_ADDRV2_ADDRESS_BYTES,
  MAX_INV_ITEMS,
  MAX_MESSAGE_BYTES,
  MAX_USER_AGENT_BYTES,
  PROTOCOL_VERSION,
  RELAY_FLAG_VERSION,
} from "./limits.ts";
export { AddressError, PROTOCOL_ERROR_CODES, ProtocolError, type ProtocolErrorCode } from "./errors.ts";
export {
  ADDRESS_BYTES,
  BIP155_NETWORK_ID,
  NETWORK_TYPES,
  HEADLINE_NETWORK_TYPES,
  addressFromBytes,
  addressToBytes,
  canonicalAddress,
  classifyIPv6Bytes,
  formatHostPort,
  legacyAddressBytes,
  networkTypeOfId,
  parseHostPort,
  torV3Text,
  type CanonicalAddress,
  type HostPort,
  type NetworkType,
  type PeerAddress,
} from "./address.ts";
export { KNOWN_COMMANDS, type InvItem, type KnownCommand, type Message, type MessageOf, type VersionAddress, type VersionMessage } from "./messages.ts";
export { decodePayload, encodePayload } from "./payload.ts";
export { FrameParser, checksum, encodeFrame } from "./frame.ts";
