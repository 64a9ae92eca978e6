// Mainnet-size safety, checked on the source: no spread argument (`Math.max(...xs)`, `a.push(...xs)`, `new X(...xs)`)
// in production code — each element becomes a stack slot and the call throws RangeError past ~125,000 of them —
// and no self-recursive function unless its doc comment states why it is bounded ("Bounded recursion: …").
// Found with the TypeScript parser, not a regex, so formatting cannot hide a case.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import ts from "typescript";

const PRODUCTION = ["lib", "pipeline", "stages", "tools", "cli"];
const SYNC_CALLBACKS = new Set(["map", "flatMap", "forEach", "filter", "reduce", "reduceRight", "some", "every", "find", "sort"]);

function productionFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", ...PRODUCTION], { encoding: "utf8" });
  return out.split("\n").filter((f) => /\.(ts|mts|js|mjs)$/.test(f));
}

interface Finding {
  where: string;
  text: string;
}

function scan(file: string, source: string): { spreads: Finding[]; recursions: Finding[] } {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const spreads: Finding[] = [];
  const recursions: Finding[] = [];
  const at = (n: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const docOf = (n: ts.Node) => {
    const holder = ts.isVariableDeclaration(n) ? n.parent.parent : n;
    return holder.getFullText().slice(0, holder.getLeadingTriviaWidth());
  };
  const visit = (n: ts.Node, fn: { name: string; node: ts.Node } | null): void => {
    if (ts.isSpreadElement(n) && (ts.isCallExpression(n.parent) || ts.isNewExpression(n.parent))) {
      spreads.push({ where: at(n), text: n.parent.getText().slice(0, 80) });
    }
    let current = fn;
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) && n.name !== undefined) current = { name: n.name.getText(), node: n };
    if (ts.isVariableDeclaration(n) && n.initializer && (ts.isArrowFunction(n.initializer) || ts.isFunctionExpression(n.initializer))) {
      current = { name: n.name.getText(), node: n };
    }
    if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && !ts.isVariableDeclaration(n.parent)) {
      // a callback run later (timer, event, promise) starts a fresh stack; one run now (xs.map(…)) does not
      const call = n.parent;
      const now = ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && SYNC_CALLBACKS.has(call.expression.name.text);
      if (!now) current = null;
    }
    if (ts.isCallExpression(n) && fn !== null) {
      const callee = n.expression.getText();
      const self = ts.isMethodDeclaration(fn.node) ? `this.${fn.name}` : fn.name;
      if (callee === self && !/Bounded recursion:/.test(docOf(fn.node))) recursions.push({ where: at(n), text: `${fn.name} calls itself` });
    }
    if (ts.isIdentifier(n) && fn !== null && n.text === fn.name && ts.isCallExpression(n.parent) && n.parent.arguments.includes(n)) {
      // `xs.map(fn)` inside fn: synchronous recursion through an array callback (setImmediate(fn) does not grow the stack)
      const callee = n.parent.expression;
      const sync = ts.isPropertyAccessExpression(callee) && SYNC_CALLBACKS.has(callee.name.text);
      if (sync && !/Bounded recursion:/.test(docOf(fn.node))) recursions.push({ where: at(n), text: `${fn.name} passes itself as a callback` });
    }
    n.forEachChild((c) => visit(c, current));
  };
  visit(sf, null);
  return { spreads, recursions };
}

test("the scanner finds spread arguments and undocumented self-recursion (so the source check can fail)", () => {
  const sample = [
    "const a = Math.max(...xs);",
    "out.push(...rows);",
    "const ok = [...xs, 1];",
    "function walk(n: N): void { for (const c of n.children) walk(c); }",
    "/** Bounded recursion: depth ≤ 128. */\nfunction fine(d: number): void { if (d < 128) fine(d + 1); }",
    "function deep(v: unknown): unknown { return Array.isArray(v) ? v.map(deep) : v; }",
    "function nested(v: N): number { return v.kids.reduce((s, k) => s + nested(k), 0); }",
    "function later(ms: number): void { setTimeout(() => later(ms), ms); }",
  ].join("\n");
  const { spreads, recursions } = scan("sample.ts", sample);
  assert.deepEqual(
    spreads.map((s) => s.where),
    ["sample.ts:1", "sample.ts:2"],
  );
  assert.deepEqual(
    recursions.map((r) => r.text),
    ["walk calls itself", "deep passes itself as a callback", "nested calls itself"],
  );
});

test("production code has no spread arguments and no undocumented recursion", () => {
  const files = productionFiles();
  assert.ok(files.length > 50, `only ${files.length} production files found`);
  const spreads: Finding[] = [];
  const recursions: Finding[] = [];
  for (const f of files) {
    const r = scan(f, readFileSync(f, "utf8"));
    spreads.push(...r.spreads);
    recursions.push(...r.recursions);
  }
  assert.deepEqual(
    spreads.map((s) => `${s.where}: ${s.text}`),
    [],
    "spread arguments overflow the stack at mainnet size: use lib/arrays.ts (maxOf, minOf, pushAll) or a loop",
  );
  assert.deepEqual(
    recursions.map((r) => `${r.where}: ${r.text}`),
    [],
    "recursion needs a stated bound in its doc comment ('Bounded recursion: …') or a loop",
  );
});
