// The crawler's heap-growth rule (stages/crawl/heap.ts): tight only while the heap is large, with hysteresis.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CRAWL_HEAP_GROWING_PERCENT, heapGrowingPercent, LOOSE_BELOW_BYTES, TIGHT_ABOVE_BYTES } from "../../stages/crawl/heap.ts";

test("the growth is tightened above the high mark, given back below the low mark, and kept in between", () => {
  assert.equal(heapGrowingPercent(TIGHT_ABOVE_BYTES + 1, 0), CRAWL_HEAP_GROWING_PERCENT);
  assert.equal(heapGrowingPercent(LOOSE_BELOW_BYTES - 1, CRAWL_HEAP_GROWING_PERCENT), 0);
  assert.equal(heapGrowingPercent((TIGHT_ABOVE_BYTES + LOOSE_BELOW_BYTES) / 2, 0), 0);
  assert.equal(heapGrowingPercent((TIGHT_ABOVE_BYTES + LOOSE_BELOW_BYTES) / 2, CRAWL_HEAP_GROWING_PERCENT), CRAWL_HEAP_GROWING_PERCENT);
});
