// Weakly (union–find) and strongly (iterative Tarjan) connected components on CSR arrays.
import type { CsrGraph } from "./graph.ts";

/** Component label of every node, labels numbered 0… by size descending (ties: smallest member first). */
export interface Components {
  readonly label: Int32Array;
  readonly count: number;
  /** sizes[c] = number of nodes in component c (descending). */
  readonly sizes: Int32Array;
}

/** Renumbers arbitrary labels 0… by component size descending, ties by smallest member. */
export function relabelBySize(raw: Int32Array): Components {
  const n = raw.length;
  const first = new Map<number, number>();
  const size = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = raw[i]!;
    if (!first.has(r)) first.set(r, i);
    size.set(r, (size.get(r) ?? 0) + 1);
  }
  const keys = [...first.keys()].sort((a, b) => size.get(b)! - size.get(a)! || first.get(a)! - first.get(b)!);
  const rank = new Map<number, number>();
  keys.forEach((key, idx) => rank.set(key, idx));
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) label[i] = rank.get(raw[i]!)!;
  return { label, count: keys.length, sizes: Int32Array.from(keys.map((key) => size.get(key)!)) };
}

/** Weakly connected components (edge direction ignored). */
export function weakComponents(g: CsrGraph): Components {
  const parent = new Int32Array(g.n);
  for (let i = 0; i < g.n; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (let i = 0; i < g.n; i++) {
    for (let k = g.outStart[i]!; k < g.outStart[i + 1]!; k++) {
      const a = find(i);
      const b = find(g.outAdj[k]!);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  }
  const raw = new Int32Array(g.n);
  for (let i = 0; i < g.n; i++) raw[i] = find(i);
  return relabelBySize(raw);
}

/** Strongly connected components (Tarjan, iterative so deep graphs cannot overflow the stack). */
export function strongComponents(g: CsrGraph): Components {
  const n = g.n;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const raw = new Int32Array(n);
  let sp = 0;
  let next = 0;
  let comp = 0;
  for (let root = 0; root < n; root++) {
    if (index[root]! >= 0) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = g.outStart[root]!;
    index[root] = low[root] = next++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth]!;
      const k = callEdge[depth]!;
      if (k < g.outStart[v + 1]!) {
        callEdge[depth] = k + 1;
        const w = g.outAdj[k]!;
        if (index[w]! < 0) {
          index[w] = low[w] = next++;
          stack[sp++] = w;
          onStack[w] = 1;
          depth++;
          callNode[depth] = w;
          callEdge[depth] = g.outStart[w]!;
        } else if (onStack[w] === 1 && index[w]! < low[v]!) {
          low[v] = index[w]!;
        }
        continue;
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--sp]!;
          onStack[w] = 0;
          raw[w] = comp;
        } while (w !== v);
        comp++;
      }
      depth--;
      if (depth >= 0) {
        const u = callNode[depth]!;
        if (low[v]! < low[u]!) low[u] = low[v]!;
      }
    }
  }
  return relabelBySize(raw);
}
