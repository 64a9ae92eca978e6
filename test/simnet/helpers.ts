// Shared helpers of the simnet tests: pick peers from a model, serve just those peers on real sockets.
import { startHost, type Host } from "../../tools/simnet/host.ts";
import type { SimnetModel } from "../../tools/simnet/model.ts";
import { TestClient } from "./client.ts";

/** First peer index satisfying `pred` (throws when none does: the test's model is too small). */
export function findPeer(model: SimnetModel, pred: (i: number) => boolean): number {
  for (let i = 0; i < model.config.nodes; i++) if (pred(i)) return i;
  throw new Error("no peer matches");
}

/** Serves only the given peers of `model` in this process. */
export async function hostPeers(model: SimnetModel, indices: readonly number[]): Promise<{ close(): Promise<void> }> {
  const hosts: Host[] = [];
  try {
    for (const i of indices) hosts.push(await startHost(model, i, i + 1));
  } catch (err) {
    await Promise.all(hosts.map((h) => h.close()));
    throw err;
  }
  return { close: async () => void (await Promise.all(hosts.map((h) => h.close()))) };
}

/** Opens a test client to peer `i`. */
export function dialPeer(model: SimnetModel, i: number): Promise<TestClient> {
  return TestClient.open(model.address(i), model.port(i));
}
