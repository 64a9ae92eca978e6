// Wire parameters of the public Bitcoin networks (data only: nothing here resolves or dials anything).
// Source: Bitcoin Core src/kernel/chainparams.cpp (message start, default port, vSeeds).

/** The Bitcoin chains Fluxture can crawl. */
export type ChainName = "mainnet" | "testnet" | "testnet4" | "signet" | "regtest";

/** What the wire codec and the crawler need to know about one chain. */
export interface ChainParams {
  readonly name: ChainName;
  /** Message start as the 4 wire bytes read big-endian, e.g. 0xf9beb4d9 for mainnet. */
  readonly magic: number;
  readonly defaultPort: number;
  /** DNS seed host names (Bitcoin Core's list); empty for regtest. */
  readonly dnsSeeds: readonly string[];
}

/** Parameters of every supported chain, by name. */
export const CHAINS: Readonly<Record<ChainName, ChainParams>> = Object.freeze({
  mainnet: Object.freeze({
    name: "mainnet",
    magic: 0xf9beb4d9,
    defaultPort: 8333,
    dnsSeeds: Object.freeze([
      "seed.bitcoin.sipa.be",
      "dnsseed.bluematt.me",
      "seed.bitcoin.jonasschnelli.ch",
      "seed.btc.petertodd.net",
      "seed.bitcoin.sprovoost.nl",
      "dnsseed.emzy.de",
      "seed.bitcoin.wiz.biz",
      "seed.mainnet.achownodes.xyz",
    ]),
  }),
  testnet: Object.freeze({
    name: "testnet",
    magic: 0x0b110907,
    defaultPort: 18333,
    dnsSeeds: Object.freeze([
      "testnet-seed.bitcoin.jonasschnelli.ch",
      "seed.tbtc.petertodd.net",
      "seed.testnet.bitcoin.sprovoost.nl",
      "testnet-seed.bluematt.me",
      "seed.testnet.achownodes.xyz",
    ]),
  }),
  testnet4: Object.freeze({
    name: "testnet4",
    magic: 0x1c163f28,
    defaultPort: 48333,
    dnsSeeds: Object.freeze(["seed.testnet4.bitcoin.sprovoost.nl", "seed.testnet4.wiz.biz"]),
  }),
  signet: Object.freeze({
    name: "signet",
    magic: 0x0a03cf40,
    defaultPort: 38333,
    dnsSeeds: Object.freeze(["seed.signet.bitcoin.sprovoost.nl", "seed.signet.achownodes.xyz"]),
  }),
  regtest: Object.freeze({
    name: "regtest",
    magic: 0xfabfb5da,
    defaultPort: 18444,
    dnsSeeds: Object.freeze([]),
  }),
});

/** The chain whose magic this is, or undefined (e.g. to name a peer that speaks another network). */
export function chainByMagic(magic: number): ChainParams | undefined {
  for (const chain of Object.values(CHAINS)) if (chain.magic === magic >>> 0) return chain;
  return undefined;
}
