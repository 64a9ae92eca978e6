import { test } from "node:test";
import assert from "node:assert/strict";
import { checkFile, checkTree, importsOf } from "../scripts/check-imports.ts";

test("importsOf finds static, type, re-export, side-effect and dynamic imports", () => {
  const src = `import a from "./a.ts";\nimport type { B } from '../b.ts';\nexport { c } from "./c.ts";\nimport "./d.ts";\nconst e = await import("./e.ts");`;
  assert.deepEqual(importsOf(src), ["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./e.ts"]);
});

test("a stage importing another stage is a violation", () => {
  const v = checkFile("stages/geolocate/index.ts", ["../crawl/engine.ts", "../../pipeline/log.ts", "./lookup.ts"]);
  assert.equal(v.length, 1);
  assert.match(v[0]!.reason, /stage 'geolocate' imports stage 'crawl'/);
});

test("any stage may import the pure wire codec, a leaf library", () => {
  assert.equal(checkFile("stages/simnet/peer.ts", ["../crawl/protocol/index.ts"]).length, 0);
  assert.equal(checkFile("stages/simnet/peer.ts", ["../crawl/session.ts"]).length, 1);
});

test("the wire codec may import only node: built-ins and itself", () => {
  assert.equal(checkFile("stages/crawl/protocol/frame.ts", ["node:crypto", "./varint.ts"]).length, 0);
  assert.equal(checkFile("stages/crawl/protocol/frame.ts", ["../../../pipeline/log.ts"]).length, 1);
  assert.equal(checkFile("stages/crawl/protocol/frame.ts", ["commander"]).length, 1);
});

test("pipeline files other than cli.ts import no stage", () => {
  assert.equal(checkFile("pipeline/runs.ts", ["../stages/crawl/index.ts"]).length, 1);
  assert.equal(checkFile("pipeline/cli.ts", ["../stages/crawl/command.ts"]).length, 0);
});

test("the repository itself respects the boundaries", () => {
  assert.deepEqual(checkTree(process.cwd()), []);
});
