// The networks a run can belong to; pipeline/ may not import the wire codec, so the names live here too.

/** Every network a run folder can be filed under (`network=<name>`); `simnet` is the loopback simulation. */
export const NETWORK_NAMES = ["mainnet", "testnet", "testnet4", "signet", "regtest", "simnet"] as const;

/** One of NETWORK_NAMES: the codec's chain names plus `simnet`. */
export type NetworkName = (typeof NETWORK_NAMES)[number];

/** Narrows an arbitrary string (a flag, a folder name) to a NetworkName. */
export function isNetworkName(value: string): value is NetworkName {
  return (NETWORK_NAMES as readonly string[]).includes(value);
}
