// Louvain community detection with directed modularity (Dugué & Perez 2015, as networkx `louvain_communities`
// and graphology-communities-louvain use for directed graphs), on typed arrays: no graph objects, seeded order.
import type { CsrGraph } from "./graph.ts";
import { relabelBySize } from "./components.ts";
import { type RandomFn as Rng, seededRng } from "../../lib/random.ts";

/** Community of every node (numbered by size descending), their count and the partition's modularity. */
export interface Communities {
  readonly label: Int32Array;
  readonly count: number;
  readonly modularity: number;
  readonly levels: number;
}

/** Louvain settings: resolution γ (1 = standard modularity), stop threshold per level (networkx: 1e-7), seed. */
export interface LouvainOptions {
  readonly resolution?: number;
  readonly threshold?: number;
  readonly seed?: number;
}

interface Level {
  readonly n: number;
  readonly outStart: Int32Array;
  readonly outAdj: Int32Array;
  readonly outW: Float64Array;
  readonly inStart: Int32Array;
  readonly inAdj: Int32Array;
  readonly inW: Float64Array;
  readonly self: Float64Array; // self-loop weight (internal edges of an aggregated community)
  readonly kOut: Float64Array;
  readonly kIn: Float64Array;
}

/** Directed modularity Q = Σ_c [ e_c/m − γ·out_c·in_c/m² ] of a labelling of g (unit edge weights). */
export function directedModularity(g: CsrGraph, label: ArrayLike<number>, resolution = 1): number {
  const m = g.m;
  if (m === 0) return 0;
  const out = new Map<number, number>();
  const inn = new Map<number, number>();
  const internal = new Map<number, number>();
  for (let i = 0; i < g.n; i++) {
    const c = label[i]!;
    out.set(c, (out.get(c) ?? 0) + g.outStart[i + 1]! - g.outStart[i]!);
    inn.set(c, (inn.get(c) ?? 0) + g.inStart[i + 1]! - g.inStart[i]!);
    for (let k = g.outStart[i]!; k < g.outStart[i + 1]!; k++) {
      if (label[g.outAdj[k]!] === c) internal.set(c, (internal.get(c) ?? 0) + 1);
    }
  }
  let q = 0;
  for (const [c, o] of out) q += (internal.get(c) ?? 0) / m - (resolution * o * (inn.get(c) ?? 0)) / (m * m);
  return q;
}

/** Runs Louvain until a level gains no more than `threshold` modularity. */
export function louvain(g: CsrGraph, opts: LouvainOptions = {}): Communities {
  const resolution = opts.resolution ?? 1;
  const threshold = opts.threshold ?? 1e-7;
  const rng = seededRng(opts.seed ?? 0);
  const owner = new Int32Array(g.n);
  for (let i = 0; i < g.n; i++) owner[i] = i;
  if (g.m === 0) {
    const c = relabelBySize(owner);
    return { label: c.label, count: c.count, modularity: 0, levels: 0 };
  }
  let level = firstLevel(g);
  const m = g.m;
  let q = levelModularity(level, identity(level.n), m, resolution);
  let levels = 0;
  for (;;) {
    const comm = oneLevel(level, m, resolution, rng);
    const nq = levelModularity(level, comm, m, resolution);
    if (nq - q <= threshold) break;
    q = nq;
    levels++;
    const { next, renumbered } = aggregate(level, comm);
    for (let i = 0; i < g.n; i++) owner[i] = renumbered[owner[i]!]!;
    level = next;
  }
  const c = relabelBySize(owner);
  return { label: c.label, count: c.count, modularity: directedModularity(g, c.label, resolution), levels };
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function firstLevel(g: CsrGraph): Level {
  const kOut = new Float64Array(g.n);
  const kIn = new Float64Array(g.n);
  for (let i = 0; i < g.n; i++) {
    kOut[i] = g.outStart[i + 1]! - g.outStart[i]!;
    kIn[i] = g.inStart[i + 1]! - g.inStart[i]!;
  }
  return {
    n: g.n,
    outStart: g.outStart,
    outAdj: g.outAdj,
    outW: new Float64Array(g.m).fill(1),
    inStart: g.inStart,
    inAdj: g.inAdj,
    inW: new Float64Array(g.m).fill(1),
    self: new Float64Array(g.n),
    kOut,
    kIn,
  };
}

function levelModularity(l: Level, comm: Int32Array, m: number, resolution: number): number {
  const internal = new Float64Array(l.n);
  const out = new Float64Array(l.n);
  const inn = new Float64Array(l.n);
  for (let i = 0; i < l.n; i++) {
    const c = comm[i]!;
    out[c]! += l.kOut[i]!;
    inn[c]! += l.kIn[i]!;
    internal[c]! += l.self[i]!;
    for (let k = l.outStart[i]!; k < l.outStart[i + 1]!; k++) if (comm[l.outAdj[k]!] === c) internal[c]! += l.outW[k]!;
  }
  let q = 0;
  for (let c = 0; c < l.n; c++) q += internal[c]! / m - (resolution * out[c]! * inn[c]!) / (m * m);
  return q;
}

/**
 * Local moving with a queue ("fast local moves", as graphology does): every node once in seeded random order, then
 * only neighbours of nodes that moved, each joining the neighbouring community with the best modularity gain.
 */
function oneLevel(l: Level, m: number, resolution: number, rng: Rng): Int32Array {
  const n = l.n;
  const comm = identity(n);
  const totOut = Float64Array.from(l.kOut);
  const totIn = Float64Array.from(l.kIn);
  const queue = identity(n); // circular queue, seeded shuffle as the first pass
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = queue[i]!;
    queue[i] = queue[j]!;
    queue[j] = t;
  }
  const inQueue = new Uint8Array(n).fill(1);
  let head = 0;
  let size = n;
  const neighW = new Float64Array(n);
  const touched = new Int32Array(n);
  const r = resolution / m;
  const { outStart, outAdj, outW, inStart, inAdj, inW, kOut, kIn } = l;
  // Each move strictly raises modularity, so this ends; the cap only guards against float ties cycling.
  for (let evaluations = 0; size > 0 && evaluations < 200 * n; evaluations++) {
    const i = queue[head]!;
    head = head + 1 === n ? 0 : head + 1;
    size--;
    inQueue[i] = 0;
    const c = comm[i]!;
    let nt = 0;
    for (let k = outStart[i]!; k < outStart[i + 1]!; k++) {
      const d = comm[outAdj[k]!]!;
      if (neighW[d] === 0) touched[nt++] = d;
      neighW[d]! += outW[k]!;
    }
    for (let k = inStart[i]!; k < inStart[i + 1]!; k++) {
      const d = comm[inAdj[k]!]!;
      if (neighW[d] === 0) touched[nt++] = d;
      neighW[d]! += inW[k]!;
    }
    const ko = kOut[i]!;
    const ki = kIn[i]!;
    totOut[c]! -= ko;
    totIn[c]! -= ki;
    let best = c;
    let bestGain = neighW[c]! - r * (ko * totIn[c]! + ki * totOut[c]!);
    for (let t = 0; t < nt; t++) {
      const d = touched[t]!;
      const gain = neighW[d]! - r * (ko * totIn[d]! + ki * totOut[d]!);
      if (gain > bestGain + 1e-12) {
        bestGain = gain;
        best = d;
      }
    }
    for (let t = 0; t < nt; t++) neighW[touched[t]!] = 0;
    totOut[best]! += ko;
    totIn[best]! += ki;
    if (best === c) continue;
    comm[i] = best;
    const enqueue = (j: number): void => {
      if (inQueue[j] === 1 || comm[j] === best) return;
      inQueue[j] = 1;
      queue[(head + size) % n] = j;
      size++;
    };
    for (let k = outStart[i]!; k < outStart[i + 1]!; k++) enqueue(outAdj[k]!);
    for (let k = inStart[i]!; k < inStart[i + 1]!; k++) enqueue(inAdj[k]!);
  }
  return comm;
}

/** Collapses each community to one node; internal edges become its self-loop weight. */
function aggregate(l: Level, comm: Int32Array): { next: Level; renumbered: Int32Array } {
  const n = l.n;
  const renumbered = new Int32Array(n).fill(-1);
  let nc = 0;
  for (let i = 0; i < n; i++) if (renumbered[comm[i]!]! < 0) renumbered[comm[i]!] = nc++;
  const cOf = new Int32Array(n);
  for (let i = 0; i < n; i++) cOf[i] = renumbered[comm[i]!]!;
  // Members of each new node, bucketed.
  const memStart = new Int32Array(nc + 1);
  for (let i = 0; i < n; i++) memStart[cOf[i]! + 1]!++;
  for (let c = 0; c < nc; c++) memStart[c + 1]! += memStart[c]!;
  const fill = memStart.slice(0, nc);
  const members = new Int32Array(n);
  for (let i = 0; i < n; i++) members[fill[cOf[i]!]!++] = i;
  const acc = new Float64Array(nc);
  const touched = new Int32Array(nc);
  const outStart = new Int32Array(nc + 1);
  const adj: number[] = [];
  const wts: number[] = [];
  const self = new Float64Array(nc);
  const kOut = new Float64Array(nc);
  const kIn = new Float64Array(nc);
  for (let c = 0; c < nc; c++) {
    let nt = 0;
    for (let p = memStart[c]!; p < memStart[c + 1]!; p++) {
      const i = members[p]!;
      self[c]! += l.self[i]!;
      kOut[c]! += l.kOut[i]!;
      kIn[c]! += l.kIn[i]!;
      for (let k = l.outStart[i]!; k < l.outStart[i + 1]!; k++) {
        const d = cOf[l.outAdj[k]!]!;
        if (d === c) {
          self[c]! += l.outW[k]!;
          continue;
        }
        if (acc[d] === 0) touched[nt++] = d;
        acc[d]! += l.outW[k]!;
      }
    }
    outStart[c] = adj.length;
    for (let t = 0; t < nt; t++) {
      const d = touched[t]!;
      adj.push(d);
      wts.push(acc[d]!);
      acc[d] = 0;
    }
  }
  outStart[nc] = adj.length;
  const outAdj = Int32Array.from(adj);
  const outW = Float64Array.from(wts);
  // In-edges with weights: transpose.
  const inStart = new Int32Array(nc + 1);
  for (const d of outAdj) inStart[d + 1]!++;
  for (let c = 0; c < nc; c++) inStart[c + 1]! += inStart[c]!;
  const inFill = inStart.slice(0, nc);
  const inAdj = new Int32Array(outAdj.length);
  const inW = new Float64Array(outAdj.length);
  for (let c = 0; c < nc; c++) {
    for (let k = outStart[c]!; k < outStart[c + 1]!; k++) {
      const p = inFill[outAdj[k]!]!++;
      inAdj[p] = c;
      inW[p] = outW[k]!;
    }
  }
  return { next: { n: nc, outStart, outAdj, outW, inStart, inAdj, inW, self, kOut, kIn }, renumbered: cOf };
}
