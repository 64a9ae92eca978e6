// The crawl-wide buffer budget (stages/crawl/budget.ts): exact accounting, back-pressure when the total passes the
// limit, shedding of the largest holders down to the low watermark after the settle time, and relief.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BufferBudget, type BudgetMember, defaultBufferBudgetBytes } from "../../stages/crawl/budget.ts";

/** A member that records what the budget asked of it; shedding releases it, as a session's finish does. */
class Member implements BudgetMember {
  paused = false;
  pauses = 0;
  shedWith: [number, number] | undefined;
  constructor(
    readonly name: string,
    private readonly budget: () => BufferBudget,
  ) {}
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
  }
  shed(held: number, limit: number): void {
    this.shedWith = [held, limit];
    this.budget().release(this);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(limit: number, settleMs = 20) {
  let reliefs = 0;
  const budget = new BufferBudget(limit, { settleMs, onRelief: () => reliefs++ });
  const member = (name: string) => new Member(name, () => budget);
  return { budget, member, reliefs: () => reliefs };
}

test("the total is the sum of what each member holds now; release returns a member's bytes", () => {
  const { budget, member } = setup(1000);
  const a = member("a");
  const b = member("b");
  budget.set(a, 100);
  budget.set(b, 300);
  budget.set(a, 250); // a grew: replaces, never adds up
  assert.equal(budget.total, 550);
  budget.set(b, 0);
  assert.equal(budget.total, 250);
  budget.release(a);
  budget.release(a); // idempotent
  assert.equal(budget.total, 0);
  assert.equal(budget.stats.peakBytes, 550);
  assert.equal(budget.pressured, false);
  assert.equal(budget.stats.pressureEvents, 0);
});

test("over the limit: every holder pauses at once and dials stop; shedding waits for the settle time", async () => {
  const { budget, member } = setup(1000, 50);
  const small = member("small");
  const big = member("big");
  const mid = member("mid");
  const idle = member("idle"); // holds nothing: not paused
  budget.set(idle, 0);
  budget.set(small, 100);
  budget.set(big, 600);
  assert.equal(budget.pressured, false);
  budget.set(mid, 400); // 1100 > 1000
  assert.equal(budget.pressured, true);
  assert.deepEqual([small.paused, big.paused, mid.paused, idle.paused], [true, true, true, false]);
  assert.equal(budget.stats.pressureEvents, 1);
  assert.equal(big.shedWith, undefined, "back-pressure comes first: nobody is shed before the settle time");
  await sleep(120);
  // shed largest first until ≤ 750 (the 0.75 low watermark): big (600) goes, 500 remain
  assert.deepEqual(big.shedWith, [600, 1000]);
  assert.equal(mid.shedWith, undefined);
  assert.equal(small.shedWith, undefined);
  assert.equal(budget.stats.shed, 1);
  assert.equal(budget.total, 500);
  assert.equal(budget.pressured, false);
  assert.deepEqual([small.paused, mid.paused], [false, false], "relief resumes every paused member");
});

test("sheds as many of the largest as it takes to reach the low watermark, never more", async () => {
  const { budget, member, reliefs } = setup(10_000);
  const members = [4000, 3000, 2500, 900, 800, 300].map((n, i) => {
    const m = member(`m${i}`);
    budget.set(m, n);
    return m;
  });
  assert.equal(budget.total, 11_500);
  assert.equal(budget.pressured, true);
  await sleep(100);
  // 11,500 − 4000 = 7500 ≤ 7500: one shed is enough
  assert.deepEqual(
    members.map((m) => m.shedWith !== undefined),
    [true, false, false, false, false, false],
  );
  assert.equal(budget.total, 7500);
  assert.equal(reliefs(), 1);
  // a second wave from two newcomers: 7500 + 2000 + 1500 = 11,000; the largest go first, not the newest:
  // 3000 (→ 8000 > 7500), then 2500 (→ 5500)
  const x = member("x");
  const y = member("y");
  budget.set(x, 2000);
  budget.set(y, 1500);
  await sleep(100);
  assert.deepEqual(
    [members[1], members[2], members[3], x, y].map((m) => m!.shedWith?.[0]),
    [3000, 2500, undefined, undefined, undefined],
  );
  assert.equal(budget.total, 5500);
  assert.equal(budget.stats.pressureEvents, 2);
});

test("bytes that arrive under pressure pause their member too; natural endings can relieve without shedding", async () => {
  const { budget, member, reliefs } = setup(1000, 80);
  const a = member("a");
  const b = member("b");
  const late = member("late");
  budget.set(a, 600);
  budget.set(b, 500); // pressure
  budget.set(late, 10); // was not holding when the pressure began: pauses now
  assert.equal(late.paused, true);
  budget.release(a); // a's session ended by itself (e.g. its getaddr deadline): 510 ≤ 750
  assert.equal(budget.pressured, false);
  assert.equal(reliefs(), 1);
  assert.deepEqual([b.paused, late.paused], [false, false]);
  await sleep(150);
  assert.equal(budget.stats.shed, 0, "the shed timer was cancelled by the relief");
});

test("the default budget is a quarter of the crawl's memory budget, at least 16 MiB", () => {
  assert.equal(defaultBufferBudgetBytes(1024 ** 3), 256 * 1024 ** 2);
  assert.equal(defaultBufferBudgetBytes(32 * 1024 ** 2), 16 * 1024 ** 2);
  assert.throws(() => new BufferBudget(0), RangeError);
});
