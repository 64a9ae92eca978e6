// Flag values shared by the command (loaded eagerly) and its implementation (loaded lazily).

/** Ways to group nodes in the ranking. */
export const GROUP_BYS = ["ip", "city", "country", "continent", "asn", "version"] as const;
/** One of GROUP_BYS. */
export type GroupBy = (typeof GROUP_BYS)[number];
/** Default number of Brandes sources: betweenness and closeness are exact up to this many nodes. */
export const DEFAULT_BETWEENNESS_SAMPLES = 512;
/** Default seed of source sampling and Louvain. */
export const DEFAULT_SEED = 1;
/** What a group is in the removal analysis (`--removal`). */
export const REMOVAL_DIMENSIONS = ["country", "asn"] as const;
/** One of REMOVAL_DIMENSIONS. */
export type RemovalDimension = (typeof REMOVAL_DIMENSIONS)[number];
