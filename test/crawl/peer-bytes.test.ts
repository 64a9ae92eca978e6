// Peer bytes end to end: a hostile peer on loopback sends a user agent with ESC, NUL, a one-character CSI (U+009B)
// and invalid UTF-8. visits.user_agent_hex keeps its bytes exactly; user_agent is their bounded decoding; and no
// path that shows it (query as table, CSV or JSON, the marts' CSV files) carries a raw control character.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCrawl } from "../../stages/crawl/index.ts";
import { MARTS_DIR } from "../../stages/marts/run.ts";
import { cli } from "../helpers/cli.ts";
import { startPeerNetwork } from "./helpers/peer-network.ts";
import { readRun } from "./helpers/read-run.ts";

/** "/Evil:1.0/" ESC "[2J" NUL, U+009B as UTF-8 (C2 9B), then invalid UTF-8 (FF FE, a lone C3), then "/". */
const HOSTILE_BYTES = Buffer.concat([
  Buffer.from("/Evil:1.0/\u001b[2J\u0000", "latin1"),
  Buffer.from([0xc2, 0x9b]),
  Buffer.from("31m", "latin1"),
  Buffer.from([0xff, 0xfe, 0xc3]),
  Buffer.from("/", "latin1"),
]);
/** Any control character but the newline that ends CSV and JSON lines. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

test("a hostile user agent is stored byte for byte in user_agent_hex and never shown raw by query or the marts", async (t) => {
  // 10 documentation-range fillers (outside the dial policy: not_dialed) make each reply complete at once (> 10 entries)
  const fillers = Array.from({ length: 10 }, (_, i) => `198.51.100.${i + 1}:8333`);
  const network = await startPeerNetwork([
    { host: "127.42.0.1", port: 18444, reply: ["127.42.0.2:18444", ...fillers], userAgentBytes: HOSTILE_BYTES },
    { host: "127.42.0.2", port: 18444, reply: ["127.42.0.1:18444", ...fillers] },
  ]);
  const data = await mkdtemp(join(tmpdir(), "fluxture-peer-bytes-"));
  t.after(async () => {
    await network.close();
    await rm(data, { recursive: true, force: true });
  });
  const summary = await runCrawl({
    dataDir: data,
    network: "regtest",
    seeds: ["127.42.0.1:18444"],
    dnsSeeds: false,
    concurrency: 4,
    connectTimeoutMs: 1000,
    handshakeTimeoutMs: 2000,
    getaddrTimeoutMs: 3000,
    dialAllow: ["127.42.0.0/16"],
    dialDeny: [],
    progress: false,
  });
  assert.equal(summary.state, "succeeded");

  const { visits } = await readRun(summary.runDir);
  const evil = visits.find((v) => v.address === "127.42.0.1");
  const good = visits.find((v) => v.address === "127.42.0.2");
  assert.equal(evil?.outcome, "ok");
  assert.equal(evil.user_agent_hex, HOSTILE_BYTES.toString("hex")); // exactly as received
  assert.deepEqual(Buffer.from(String(evil.user_agent_hex), "hex"), HOSTILE_BYTES);
  assert.equal(evil.user_agent, "/Evil:1.0/\u001b[2J\u0000\u009b31m\ufffd\ufffd\ufffd/"); // the decoding, controls kept
  assert.equal(good?.user_agent_hex, Buffer.from("/Satoshi:27.0.0/").toString("hex"));

  const sql = "select address, user_agent, user_agent_hex from visits order by address";
  for (const format of ["table", "csv", "json"]) {
    const q = await cli(["query", "--data", data, "--format", format, sql]);
    assert.equal(q.status, 0, q.stderr);
    assert.doesNotMatch(q.stdout, RAW_CONTROL, format);
    assert.ok(q.stdout.includes(HOSTILE_BYTES.toString("hex")), format);
    if (format === "json") {
      const rows = JSON.parse(q.stdout) as { user_agent: string; user_agent_hex: string }[];
      assert.equal(rows[0]!.user_agent, evil.user_agent); // escaped on the wire, the same value once parsed
      assert.deepEqual(Buffer.from(rows[0]!.user_agent_hex, "hex"), HOSTILE_BYTES);
    } else {
      assert.ok(q.stdout.includes("/Evil:1.0/\\x1b[2J\\x00\\x9b31m"), `${format}: ${q.stdout}`);
    }
  }

  const analyze = await cli(["analyze", "--data", data]);
  assert.equal(analyze.status, 0, analyze.stderr);
  const marts = join(summary.runDir, MARTS_DIR);
  const files = (await readdir(marts)).filter((f) => f.endsWith(".csv"));
  assert.ok(files.includes("user_agents.csv"), files.join(", "));
  for (const file of files) assert.doesNotMatch(await readFile(join(marts, file), "utf8"), RAW_CONTROL, file);
  assert.ok((await readFile(join(marts, "user_agents.csv"), "utf8")).includes("/Evil:1.0/\\x1b[2J\\x00\\x9b31m"));
});
