// The CrawlState → outcome table: every stored state value, and the README's table says the same as the code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseVersion } from "../../stages/import/plan.ts";
import { ruleOfState, STATE_RULES } from "../../stages/import/state.ts";
import { splitCrawls, crawlOf } from "../../stages/import/crawls.ts";
import { importedAddress } from "../../stages/import/address.ts";

test("each state value the original stores maps to one outcome, highest stage first", () => {
  const expected: [number, string][] = [
    [0, "not_dialed"],
    [1, "not_dialed"],
    [3, "not_dialed"],
    [5, "connect_failed"],
    [7, "connect_failed"],
    [13, "connect_failed"],
    [15, "connect_failed"],
    [21, "no_addr_reply"],
    [53, "reset"],
    [85, "no_addr_reply"],
    [213, "ok"],
    [277, "no_addr_reply"],
    [789, "no_addr_reply"],
    [981, "ok"],
    [983, "ok"],
    [1023, "ok"],
  ];
  assert.deepEqual(
    expected.map(([s]) => [s, ruleOfState(s).outcome]),
    expected,
  );
});

test("stages/import/README.md documents exactly the rules the code applies", () => {
  const readme = readFileSync(fileURLToPath(new URL("../../stages/import/README.md", import.meta.url)), "utf8");
  const table = readme.split("## State → outcome")[1]!.split("\n## ")[0]!;
  const rows = table.split("\n").filter((l) => /^\| [A-Z]/.test(l));
  assert.equal(rows.length, STATE_RULES.length);
  STATE_RULES.forEach((rule, i) => {
    const cells = rows[i]!.split("|").map((c) => c.trim());
    assert.ok(cells[1]!.startsWith(rule.name.split(" ")[0]!), `${rule.name} vs ${cells[1]}`);
    if (rule.flag !== 0) assert.ok(cells[1]!.includes(`(${rule.flag})`), cells[1]);
    assert.ok(cells[3]!.startsWith(`\`${rule.outcome}\``), `${rule.outcome} vs ${cells[3]}`);
  });
});

test("crawls are split at silences longer than the gap; both stored IPv4 forms are one address", () => {
  const w = splitCrawls(Float64Array.from([100, 5000, 90, 110, 5100, 20000]), 3600);
  assert.deepEqual(w, [
    { index: 0, first: 90, last: 110 },
    { index: 1, first: 5000, last: 5100 },
    { index: 2, first: 20000, last: 20000 },
  ]);
  assert.deepEqual(
    [90, 110, 5000, 5100, 20000].map((t) => crawlOf(w, t)),
    [0, 0, 1, 1, 2],
  );
  assert.deepEqual(splitCrawls(new Float64Array(0)), []);
  const mapped = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7]);
  const sixToFour = Uint8Array.from([0x20, 0x02, 192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const real6to4Host = Uint8Array.from([0x20, 0x02, 192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(importedAddress(mapped), { address: "192.0.2.7", networkType: "ipv4" });
  assert.deepEqual(importedAddress(sixToFour), { address: "192.0.2.7", networkType: "ipv4" });
  assert.deepEqual(importedAddress(real6to4Host), { address: "2002:c000:207::1", networkType: "ipv6" });
});

test("version descriptions: '<protocol version> <user agent>', or a bare user agent", () => {
  assert.deepEqual(parseVersion("70016 /Satoshi:23.0.0/"), { protocolVersion: 70016, userAgent: "/Satoshi:23.0.0/" });
  assert.deepEqual(parseVersion("70015 "), { protocolVersion: 70015, userAgent: null });
  assert.deepEqual(parseVersion("/btcd:0.23.3/"), { protocolVersion: null, userAgent: "/btcd:0.23.3/" });
  assert.deepEqual(parseVersion(""), { protocolVersion: null, userAgent: null });
});
