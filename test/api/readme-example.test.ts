// The README's TypeScript API example, verbatim: kept equal to docs/api-example.ts (pasted into README.md),
// type-checked as a user would compile it, and run against the fixture lake with its output checked line by line.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { makeFixtureLake, type FixtureLake } from "../sql/fixture.ts";

const run = promisify(execFile);
const EXAMPLE_FILE = fileURLToPath(new URL("../../docs/api-example.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** The example exactly as README.md shows it. */
const EXAMPLE = `import { CrawlDatabase } from "fluxture";

const db = await CrawlDatabase.open("data");
try {
  // Every run in the folder, oldest first; the views read only sealed (succeeded) runs.
  const runs = await db.runs();
  console.log(\`\${runs.length} runs, \${runs.filter((r) => r.sealed).length} sealed\`);

  // The nodes of one run, streamed in batches (leave \`run\` out for the newest sealed run).
  const run = runs.find((r) => r.sealed)?.run_id;
  for await (const node of db.nodes({ run, reachableOnly: true })) {
    const location = await node.getLocation(); // its geo row in that run, or null
    const version = await node.getVersion(); // what its version message said, or null
    const latest = await node.getLatestEdges(); // what it advertised in the newest sealed run that got its getaddr reply
    console.log(
      \`\${node} \${node.outcome} \${location?.country_code ?? "??"} AS\${location?.asn ?? "?"} \${version?.user_agent ?? "-"}\`,
      latest ? \`advertised \${latest.edges.length} in \${latest.run_id}\` : "never answered getaddr",
    );
  }

  // Any SQL over the views and marts (sql/): here, the Nakamoto coefficient per run.
  const rows = await db.query<{ run_id: string; dimension: string; nakamoto: number }>(
    "select run_id, dimension, nakamoto_coefficient::integer as nakamoto from mart_concentration order by started_at, dimension",
  );
  for (const r of rows) console.log(r.run_id, r.dimension, r.nakamoto);
} finally {
  await db.close();
}
`;

let fx: FixtureLake;

before(async () => {
  fx = await makeFixtureLake();
});

after(async () => {
  await fx?.remove();
});

describe("README API example", () => {
  test("docs/api-example.ts is the example, verbatim", async () => {
    assert.equal(await readFile(EXAMPLE_FILE, "utf8"), EXAMPLE);
  });

  test('it type-checks against the package\'s exports (import from "fluxture")', async () => {
    const tsc = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));
    const args = [
      "--noEmit",
      "--strict",
      "--noUncheckedIndexedAccess",
      "--target",
      "ES2022",
      "--module",
      "NodeNext",
      "--moduleResolution",
      "NodeNext",
      "--allowImportingTsExtensions",
      // inside the repository "fluxture" resolves to the sources (the package's "source" export condition);
      // test/package/pack.test.ts checks the same example against the built, installed package
      "--customConditions",
      "source",
      "--skipLibCheck",
      "--types",
      "node",
      EXAMPLE_FILE,
    ];
    await run(process.execPath, [tsc, ...args], { cwd: REPO });
  });

  test("it runs from a folder holding data/ and prints what the fixture holds", async () => {
    const { A, B, C } = fx.ids as { A: string; B: string; C: string };
    const tsx = import.meta.resolve("tsx");
    const { stdout } = await run(process.execPath, ["--conditions=source", "--import", tsx, EXAMPLE_FILE], { cwd: fx.root });
    assert.equal(
      stdout,
      [
        "5 runs, 4 sealed",
        // the oldest sealed run is A (geolocated); n1's newest getaddr reply is C's, n2's too (it advertised
        // nothing there), n3's is B's (timeout in C) — never the failed run F, never a merge of runs
        `10.0.0.1:8333 ok US AS100 /Satoshi:25.0.0/ advertised 1 in ${C}`,
        `10.0.0.2:8333 ok US AS200 /Satoshi:0.21.1/ advertised 0 in ${C}`,
        `10.0.0.3:8333 no_addr_reply DE AS100 /Satoshi:0.20.0/ advertised 1 in ${B}`,
        `${A} asn 1`,
        `${A} country 1`,
        `${B} asn 1`,
        `${B} country 2`,
        "",
      ].join("\n"),
    );
  });
});
