// The closed set of ways a simnet peer behaves, the profiles that mix them, and the exact per-peer
// assignment (largest-remainder counts, then a seeded shuffle) so shares hold even in small networks.
import { Rng, hash32, STREAM } from "../../lib/random.ts";

/** Every behaviour a simnet peer can have (see tools/simnet/README.md for the wire detail). */
export const BEHAVIOURS = [
  "honest",
  "slow",
  "silent",
  "full",
  "garbage",
  "wrong_magic",
  "oversized",
  "ping_flood",
  "addr_flood",
  "close_mid_message",
  "spammer",
  "frame_stall",
] as const;

/** One behaviour name. */
export type Behaviour = (typeof BEHAVIOURS)[number];

/** Named mixes of behaviours (shares sum to 1) with their default reply delay. */
export type ProfileName = "realistic" | "fast" | "hostile" | "mainnet" | "flood";

/** Every profile name, for flag validation. */
export const PROFILES: readonly ProfileName[] = ["realistic", "fast", "hostile", "mainnet", "flood"];

/** Fraction of peers per behaviour; missing behaviours have share 0. */
export type Shares = Readonly<Partial<Record<Behaviour, number>>>;

const HOSTILE_EACH = 0.7 / 9;

/** Behaviour shares of each profile. */
export const PROFILE_SHARES: Readonly<Record<ProfileName, Shares>> = {
  realistic: {
    honest: 0.86,
    slow: 0.03,
    silent: 0.02,
    full: 0.03,
    garbage: 0.01,
    wrong_magic: 0.01,
    oversized: 0.01,
    ping_flood: 0.01,
    addr_flood: 0.01,
    close_mid_message: 0.01,
  },
  fast: { honest: 1 },
  // Reachable peers as a census meets them: almost all answer (on Core's timer), a few are full or mute.
  mainnet: { honest: 0.95, full: 0.02, silent: 0.02, close_mid_message: 0.01 },
  // mainnet during an address flood: a tenth of the peers also advertise `spamEntries` fresh nothing-listens addresses.
  flood: { honest: 0.85, full: 0.02, silent: 0.02, close_mid_message: 0.01, spammer: 0.1 },
  hostile: {
    honest: 0.3,
    slow: HOSTILE_EACH,
    silent: HOSTILE_EACH,
    full: HOSTILE_EACH,
    garbage: HOSTILE_EACH,
    wrong_magic: HOSTILE_EACH,
    oversized: HOSTILE_EACH,
    ping_flood: HOSTILE_EACH,
    addr_flood: HOSTILE_EACH,
    close_mid_message: HOSTILE_EACH,
  },
};

/** Mean getaddr reply delay of each profile in ms (Bitcoin Core's is ~30 s; crawls of a simnet need less). */
export const PROFILE_REPLY_DELAY_MS: Readonly<Record<ProfileName, number>> = {
  realistic: 250,
  fast: 0,
  hostile: 250,
  mainnet: 30_000,
  flood: 30_000,
};

/** Shape of each profile's world beyond its behaviours: the reply-delay cap (× mean, 0 = uncapped), the
 * nothing-listens addresses per peer (0 = a small pool) and their percent of each reply. */
export const PROFILE_WORLD: Readonly<Record<ProfileName, { replyDelayCap: number; deadPerPeer: number; deadPercent: number }>> = {
  realistic: { replyDelayCap: 3, deadPerPeer: 0, deadPercent: 12 },
  fast: { replyDelayCap: 3, deadPerPeer: 0, deadPercent: 12 },
  hostile: { replyDelayCap: 3, deadPerPeer: 0, deadPercent: 12 },
  // Core's address-send timer is uncapped; mainnet crawls meet ~3 unreachable addresses per reachable node.
  mainnet: { replyDelayCap: 0, deadPerPeer: 3, deadPercent: 30 },
  flood: { replyDelayCap: 0, deadPerPeer: 3, deadPercent: 30 },
};

/** Behaviours whose peer answers getaddr promptly with a legitimate reply (the connectivity backbone). */
export const PROMPT_REPLIERS: ReadonlySet<Behaviour> = new Set<Behaviour>(["honest", "ping_flood"]);

/** Behaviours whose peer completes the version handshake. */
export const HANDSHAKERS: ReadonlySet<Behaviour> = new Set<Behaviour>([
  "honest",
  "slow",
  "ping_flood",
  "addr_flood",
  "close_mid_message",
  "spammer",
  "frame_stall",
]);

/** Behaviours whose peer eventually sends a legitimate getaddr reply listed in the ground truth. */
export const REPLIERS: ReadonlySet<Behaviour> = new Set<Behaviour>(["honest", "slow", "ping_flood", "spammer"]);

/** Error for a bad --behaviours value (the CLI wraps it in a UsageError). */
export class SharesError extends Error {}

/** Parses `honest=0.9,slow=0.02,…` over a base profile: named behaviours replace their share and
 * the remaining behaviours of the profile are scaled so every share still sums to 1. */
export function parseShares(text: string, base: Shares): Shares {
  const given: Partial<Record<Behaviour, number>> = {};
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0)) {
    const m = /^([a-z_]+)=([0-9]*\.?[0-9]+)$/.exec(part);
    if (!m) throw new SharesError(`expected NAME=FRACTION, got '${part}'`);
    const name = m[1] as Behaviour;
    if (!(BEHAVIOURS as readonly string[]).includes(name)) {
      throw new SharesError(`unknown behaviour '${m[1]}' (one of ${BEHAVIOURS.join(", ")})`);
    }
    given[name] = Number(m[2]);
  }
  const givenSum = Object.values(given).reduce((a, b) => a + b, 0);
  if (givenSum > 1 + 1e-9) throw new SharesError(`shares add up to ${givenSum}, more than 1`);
  let restSum = 0;
  for (const b of BEHAVIOURS) if (given[b] === undefined) restSum += base[b] ?? 0;
  const out: Partial<Record<Behaviour, number>> = {};
  for (const b of BEHAVIOURS) {
    const v = given[b] ?? (restSum > 0 ? ((base[b] ?? 0) * (1 - givenSum)) / restSum : 0);
    if (v > 0) out[b] = v;
  }
  if (restSum === 0 && Math.abs(givenSum - 1) > 1e-9) {
    throw new SharesError(`shares add up to ${givenSum}; with every behaviour named they must add up to 1`);
  }
  return out;
}

/** Exact peer counts per behaviour for `n` peers (largest remainder, ties in BEHAVIOURS order). */
export function behaviourCounts(n: number, shares: Shares): Record<Behaviour, number> {
  const total = BEHAVIOURS.reduce((s, b) => s + (shares[b] ?? 0), 0);
  const counts = Object.fromEntries(BEHAVIOURS.map((b) => [b, 0])) as Record<Behaviour, number>;
  if (n === 0 || total <= 0) return counts;
  const rema: { b: Behaviour; r: number }[] = [];
  let used = 0;
  for (const b of BEHAVIOURS) {
    const exact = (n * (shares[b] ?? 0)) / total;
    counts[b] = Math.floor(exact);
    used += counts[b];
    rema.push({ b, r: exact - counts[b] });
  }
  rema.sort((x, y) => y.r - x.r || BEHAVIOURS.indexOf(x.b) - BEHAVIOURS.indexOf(y.b));
  for (let i = 0; used < n; i++, used++) counts[rema[i % rema.length]!.b]++;
  return counts;
}

/** Behaviour index (into BEHAVIOURS) of every peer: exact counts, positions shuffled by the seed. */
export function assignBehaviours(n: number, shares: Shares, seed: number): Uint8Array {
  const counts = behaviourCounts(n, shares);
  const out = new Uint8Array(n);
  let k = 0;
  BEHAVIOURS.forEach((b, idx) => {
    for (let c = 0; c < counts[b]; c++) out[k++] = idx;
  });
  const rng = new Rng(hash32(seed, STREAM.behaviourShuffle));
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
