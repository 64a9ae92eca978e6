// MaxMind DB writer speed: 25,000 networks with distinct City-shaped records (worst case for dedup),
// and the simnet geography for 25,000 peers plus their covering /24s (both databases). Target: < 1 s
// each. CPU seconds are printed too: on a shared machine they show the work itself, without the waiting.
import { report, timeRuns } from "./harness.ts";
import { buildSimnetGeoDatabases, double, uint16, uint32, writeMmdb, type MmdbNetwork } from "../tools/simnet/mmdb/index.ts";

/** Times `fn` with the harness and also collects this process's CPU seconds per run. */
async function measure(name: string, fn: () => void): Promise<void> {
  const cpu: number[] = [];
  const wall = await timeRuns(
    () => {
      const start = process.cpuUsage();
      fn();
      const used = process.cpuUsage(start);
      cpu.push((used.user + used.system) / 1e6);
    },
    5,
    1,
  );
  report(name, wall, "s", { max: 1 });
  report(`${name} [CPU]`, cpu.slice(1), "s", { max: 1 });
}

let state = 12345;
const rand = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
const networks: MmdbNetwork[] = Array.from({ length: 25_000 }, (_, i) => {
  const prefix = 24 + Math.floor(rand() * 9);
  const addr = (Math.floor(rand() * 2 ** 32) >>> (32 - prefix)) << (32 - prefix);
  const text = [24, 16, 8, 0].map((s) => (addr >>> s) & 255).join(".");
  const cidr = i % 10 === 0 ? `2001:db8:${(i & 0xffff).toString(16)}::/48` : `${text}/${prefix}`;
  return {
    cidr,
    data: {
      city: { geoname_id: uint32(1000 + i), names: { en: `City ${i}` } },
      country: { iso_code: "US", geoname_id: uint32(6252001), names: { en: "United States" } },
      location: { latitude: double(rand() * 180 - 90), longitude: double(rand() * 360 - 180), accuracy_radius: uint16(20), time_zone: "America/Chicago" },
    },
  };
});
const size = writeMmdb({ databaseType: "Bench-City", buildEpoch: 0, networks }).length;
await measure(`writeMmdb 25,000 networks, 25,000 distinct City records (${(size / 1e6).toFixed(1)} MB)`, () => {
  writeMmdb({ databaseType: "Bench-City", buildEpoch: 0, networks });
});

const peers = Array.from({ length: 25_000 }, (_, i) => `127.${42 + Math.floor(i / 64516)}.${Math.floor((i % 64516) / 254)}.${(i % 254) + 1}`);
const blocks = [{ base: "127.42.0.0/16", prefixLength: 24 }, ...peers];
await measure("buildSimnetGeoDatabases 25,000 peers + 256 /24s, City and ASN databases", () => {
  buildSimnetGeoDatabases({ blocks, seed: 1, buildEpoch: 0 });
});
