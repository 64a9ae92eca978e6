import { test } from "node:test";
import assert from "node:assert/strict";
import { checkFile, checkTree, importsOf, layerOf } from "../scripts/check-imports.ts";

test("importsOf finds static, type, re-export, side-effect and dynamic imports", () => {
  const src = `import a from "./a.ts";\nimport type { B } from '../b.ts';\nexport { c } from "./c.ts";\nimport "./d.ts";\nconst e = await import("./e.ts");`;
  assert.deepEqual(importsOf(src), ["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./e.ts"]);
});

test("layerOf names the layer folder of a path, and nothing outside them", () => {
  assert.equal(layerOf("lib/bitcoin/frame.ts"), "lib");
  assert.equal(layerOf("cli/program.ts"), "cli");
  assert.equal(layerOf("test/x.test.ts"), undefined);
});

test("a stage importing another stage is a violation; a tool importing a stage too", () => {
  const v = checkFile("stages/geolocate/index.ts", ["../crawl/engine.ts", "../../pipeline/log.ts", "./lookup.ts", "../../lib/ip/parse.ts"]);
  assert.equal(v.length, 1);
  assert.match(v[0]!.reason, /'stages\/geolocate' imports 'stages\/crawl'/);
  assert.equal(checkFile("tools/simnet/peer.ts", ["../../stages/crawl/session.ts"]).length, 1);
  assert.equal(checkFile("tools/simnet/peer.ts", ["../../lib/bitcoin/index.ts"]).length, 0);
});

test("lib/ imports only node: built-ins and lib/", () => {
  assert.equal(checkFile("lib/bitcoin/frame.ts", ["node:crypto", "./varint.ts", "../ip/parse.ts"]).length, 0);
  assert.equal(checkFile("lib/bitcoin/frame.ts", ["../../pipeline/log.ts"]).length, 1);
  assert.equal(checkFile("lib/bitcoin/frame.ts", ["commander"]).length, 1);
});

test("a lower layer never imports a higher one; pipeline/ imports no commander", () => {
  assert.equal(checkFile("pipeline/runs.ts", ["../stages/crawl/index.ts"]).length, 1);
  assert.equal(checkFile("pipeline/runs.ts", ["../cli/options.ts"]).length, 1);
  assert.equal(checkFile("pipeline/runs.ts", ["commander"]).length, 1);
  assert.equal(checkFile("stages/crawl/node.ts", ["../../cli/crawl.ts"]).length, 1);
  assert.equal(checkFile("cli/program.ts", ["../stages/crawl/index.ts", "../tools/simnet/index.ts", "commander"]).length, 0);
});

test("the repository itself respects the layers", () => {
  assert.deepEqual(checkTree(process.cwd()), []);
});
