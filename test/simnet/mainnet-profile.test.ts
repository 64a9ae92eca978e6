// The mainnet simnet profile's shape (no sockets): Core's uncapped exponential reply timer, ~3 nothing-listens
// addresses per peer, and the blackhole's guard and rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveConfig } from "../../tools/simnet/options.ts";
import { SimnetModel } from "../../tools/simnet/model.ts";
import { replyDelay } from "../../tools/simnet/conversation.ts";
import { blackholeRule, inPrivateNetns, netnsInterfaces } from "../../tools/simnet/blackhole.ts";

test("--profile mainnet: reply mean 30 s uncapped, 3× nothing-listens addresses, most peers honest", () => {
  const config = resolveConfig({ nodes: 2000, profile: "mainnet" });
  assert.equal(config.replyDelayMs, 30_000);
  assert.equal(config.replyDelayCap, 0);
  const model = new SimnetModel(config);
  assert.ok(model.layout.deadCount >= 3 * 2000 && model.layout.deadCount < 3 * 2000 + 254);
  const [first, last] = model.layout.deadRange();
  assert.deepEqual([first.endsWith(".0"), last.endsWith(".255")], [true, true]); // whole /24 blocks
  assert.ok(model.layout.isDead(model.layout.deadText(0)) && model.layout.isDead(model.layout.deadText(model.layout.deadCount - 1)));
  assert.ok(Math.abs(replyDelay(30_000, 0.999, 0) - 207_233) < 1); // uncapped: −30 s · ln(0.001)
  assert.equal(replyDelay(30_000, 0.999), 90_000); // other profiles cap at 3× the mean
  assert.equal(resolveConfig({ nodes: 10 }).replyDelayCap, 3);
});

test("the blackhole only runs in a namespace whose only interface is lo, and drops SYNs to the pool's range", () => {
  const dev = "Inter-|   Receive\n face |bytes\n    lo: 0 0\n  eth0: 1 2\n";
  assert.deepEqual(netnsInterfaces(dev), ["lo", "eth0"]);
  assert.equal(inPrivateNetns(["lo", "eth0"]), false);
  assert.equal(inPrivateNetns(["lo"]), true);
  assert.deepEqual(blackholeRule(["127.9.0.0", "127.9.3.255"]), [
    "OUTPUT",
    "-p",
    "tcp",
    "--syn",
    "-m",
    "iprange",
    "--dst-range",
    "127.9.0.0-127.9.3.255",
    "-j",
    "DROP",
  ]);
});
