import { allocateVectors } from "../shared/adapters/embedded/simd-dots";
import { topKByDot } from "../shared/adapters/embedded/vector-cache";
import { percentile, readEveryFloat } from "./support";

// Vector top-k over a synthetic 100k-chunk index (384-d, normalised), side by side in one process:
// the embedded index's (WebAssembly SIMD dot products into a bounded typed-array heap, the slab
// allocated as the cache allocates it) vs. the earlier score-everything-then-sort (an object per
// chunk), a one-sum JavaScript pass of dot products, and one read of every float (the floor).

const N = Number(process.env.VEC_N ?? 100_000);
const D = 384;
const K = 50;
const data = allocateVectors(N, D);
const rnd = () => Math.random() - 0.5;
for (let i = 0; i < N; i++) {
  let norm = 0;
  for (let j = 0; j < D; j++) {
    const v = rnd();
    data[i * D + j] = v;
    norm += v * v;
  }
  norm = Math.sqrt(norm);
  for (let j = 0; j < D; j++) data[i * D + j] /= norm;
}
const queries = Array.from({ length: 40 }, (_, q) => data.slice(((q * 997) % N) * D, ((q * 997) % N) * D + D));

function sortAll(query: Float32Array, limit: number): number[] {
  const scores: { i: number; s: number }[] = [];
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += data[i * D + j] * query[j];
    scores.push({ i, s });
  }
  scores.sort((a, b) => b.s - a.s);
  return scores
    .slice(0, limit)
    .filter((x) => x.s > 0)
    .map((x) => x.i);
}
function dotsOnly(query: Float32Array): number {
  let acc = 0;
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += data[i * D + j] * query[j];
    acc += s;
  }
  return acc;
}

const t: Record<string, number[]> = { heap: [], sortAll: [], dots: [], floor: [] };
for (let round = 0; round < 3; round++) {
  for (const q of queries) {
    let t0 = performance.now();
    const a = topKByDot(data, D, q, K);
    t.heap.push(performance.now() - t0);
    t0 = performance.now();
    const b = sortAll(q, K);
    t.sortAll.push(performance.now() - t0);
    t0 = performance.now();
    dotsOnly(q);
    t.dots.push(performance.now() - t0);
    t0 = performance.now();
    readEveryFloat(data);
    t.floor.push(performance.now() - t0);
    // SIMD sums in float32: rows whose scores differ by less than its rounding may swap places.
    const score = (i: number) => data.subarray(i * D, i * D + D).reduce((s, v, j) => s + v * q[j], 0);
    const differs = a.length !== b.length || a.some((row, k) => row !== b[k] && Math.abs(score(row) - score(b[k])) > 1e-5);
    if (differs) throw new Error(`the two top-k disagree: ${a.slice(0, 5)} vs ${b.slice(0, 5)} (${a.length} vs ${b.length})`);
  }
}
console.log(`vector top-${K} over ${N} x ${D}-d vectors, ${queries.length} queries x 3 interleaved rounds:`);
for (const [name, v] of Object.entries({
  "SIMD dots + typed-array heap (now)": t.heap,
  "object per chunk + sort (before)": t.sortAll,
  "one-sum JS dot products only": t.dots,
  "one JS read of every float": t.floor,
})) {
  console.log(`  ${name.padEnd(34)} p50 ${percentile(v, 50).toFixed(1)} ms, p95 ${percentile(v, 95).toFixed(1)} ms`);
}
console.log(
  `  before / now p50: ${(percentile(t.sortAll, 50) / percentile(t.heap, 50)).toFixed(2)}x; now / JS read p50: ${(percentile(t.heap, 50) / percentile(t.floor, 50)).toFixed(2)}x`,
);
