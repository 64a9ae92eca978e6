// Peer-controlled text: a user agent with ESC/NUL bytes reaches no terminal, report or CSV/ARFF export raw (shown as
// \xHH), while visits.parquet keeps it exactly as decoded; a user agent of 256 invalid UTF-8 bytes decodes to at
// most 256 bytes of UTF-8 (not 768) and keeps its bytes (test/crawl/peer-bytes.test.ts: end to end). Real CLI, real Parquet.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { escapeControl } from "../../lib/text.ts";
import { decodePayload, encodePayload, type VersionMessage } from "../../lib/bitcoin/index.ts";
import { fluxture } from "../helpers/cli.ts";
import { tenNodes, writeSampleRun } from "../helpers/sample-run.ts";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB } from "../../pipeline/duckdb.ts";

const HOSTILE = "/Evil:1.0/\u001b[2J\u001b]0;pwned\u0007\u0000\u009b31m/";
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/; // tab and newline are the formats' own

test("escapeControl shows C0, DEL and C1 controls as \\xHH and leaves other text alone", () => {
  assert.equal(escapeControl(HOSTILE), "/Evil:1.0/\\x1b[2J\\x1b]0;pwned\\x07\\x00\\x9b31m/");
  assert.equal(escapeControl("/Satoshi:27.0.0/ é 漢 😀"), "/Satoshi:27.0.0/ é 漢 😀");
});

test("a user agent of 256 invalid UTF-8 bytes decodes to at most 256 bytes of UTF-8", () => {
  const version: VersionMessage = {
    command: "version",
    version: 70016,
    services: 1n,
    timestamp: 1_700_000_000n,
    receiver: { services: 0n, address: "127.0.0.1", port: 8333, networkType: "ipv4" },
    sender: { services: 0n, address: "127.0.0.1", port: 8333, networkType: "ipv4" },
    nonce: 1n,
    userAgent: "",
    startHeight: 1,
    relay: true,
  } as VersionMessage;
  const head = encodePayload(version);
  const uaAt = head.length - 1 - 4 - 1; // before the empty user agent's length byte: start_height (4) and relay (1) follow
  const payload = Buffer.concat([head.subarray(0, uaAt), Buffer.from([0xfd, 0x00, 0x01]), Buffer.alloc(256, 0xff), head.subarray(uaAt + 1)]);
  const decoded = decodePayload("version", payload) as VersionMessage;
  assert.ok(Buffer.byteLength(decoded.userAgent!, "utf8") <= 256, `${Buffer.byteLength(decoded.userAgent!, "utf8")} bytes`);
  assert.ok(decoded.userAgent!.length <= 256, `${decoded.userAgent!.length} characters`);
  assert.deepEqual(Buffer.from(decoded.userAgentBytes!), Buffer.alloc(256, 0xff)); // the bytes as received
  assert.deepEqual(Buffer.from(encodePayload(decoded)), payload); // and re-encoded exactly
  assert.equal(decoded.startHeight, 1);
});

test("query's table, the report and CSV/ARFF exports show control characters escaped; visits.parquet keeps them", async (t) => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-peer-text-"));
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const nodes = tenNodes().map((n, i) => (i === 1 ? { ...n, userAgent: HOSTILE } : n));
  const run = await writeSampleRun(data, { nodes });

  const q = fluxture(["query", "--data", data, "select user_agent from visits where user_agent like '/Evil:1.0/%'"]);
  assert.equal(q.status, 0, q.stderr);
  assert.doesNotMatch(q.stdout, RAW_CONTROL);
  assert.ok(q.stdout.includes(escapeControl(HOSTILE)), q.stdout);

  for (const format of ["csv", "arff"]) {
    const out = join(data, `nodes.${format}`);
    const r = fluxture(["export", out, "--format", format, "--data", data]);
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(out, "utf8");
    assert.doesNotMatch(text, RAW_CONTROL, format);
    assert.ok(text.includes("\\x1b[2J"), format);
  }

  const html = join(data, "report.html");
  const r = fluxture(["report", html, "--data", data]);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(readFileSync(html, "utf8"), RAW_CONTROL);

  const db = await openDuckDB({ threads: 1 });
  try {
    const reader = await db.connection.runAndReadAll(
      `select user_agent from read_parquet(${quotedString(join(run.dir, "visits.parquet"))}) where user_agent like '/Evil:1.0/%'`,
    );
    assert.equal(reader.getRowsJS()[0]?.[0], HOSTILE); // stored exactly as decoded
  } finally {
    db.close();
  }
});
