import { describe, expect, it } from "vitest";
import { allocateVectors, dotsModuleBytes, SIMD_MIN_ROWS, simdDots } from "../../../shared/adapters/embedded/simd-dots";
import { topKByDot } from "../../../shared/adapters/embedded/vector-cache";

// The embedded index's vector top-k (WebAssembly SIMD or unrolled dot products, bounded heap) against
// the plainest possible reference: score every row with a one-sum loop, keep the positive ones, sort, cut.

function reference(data: Float32Array, dims: number, q: Float32Array, limit: number, keep: (i: number) => boolean) {
  const scored: { i: number; s: number }[] = [];
  for (let i = 0; i < data.length / dims; i++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += data[i * dims + j] * q[j];
    if (s > 0 && keep(i)) scored.push({ i, s });
  }
  return scored
    .sort((a, b) => b.s - a.s)
    .slice(0, limit)
    .map((x) => x.i);
}

// A seeded generator, so a failure can be replayed.
function random(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31 - 0.5;
  };
}

describe("vector top-k", () => {
  for (const dims of [384, 13, 8, 3, 1]) {
    it(`matches score-all-then-sort at ${dims} dimensions, with and without a filter`, () => {
      const next = random(dims);
      const n = 2_000;
      const data = Float32Array.from({ length: n * dims }, next);
      for (let trial = 0; trial < 5; trial++) {
        const q = Float32Array.from({ length: dims }, next);
        const odd = (i: number) => i % 2 === 1;
        expect(topKByDot(data, dims, q, 50)).toEqual(reference(data, dims, q, 50, () => true));
        expect(topKByDot(data, dims, q, 7, odd)).toEqual(reference(data, dims, q, 7, odd));
      }
    });
  }

  it("scores a large slab with WebAssembly SIMD, to float precision, and ranks as the reference does", () => {
    const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } };
    expect(wasm.validate(dotsModuleBytes())).toBe(true);
    const next = random(7);
    const rows = SIMD_MIN_ROWS + 3;
    const data = allocateVectors(rows, 384);
    data.set(Float32Array.from({ length: rows * 384 }, next));
    const q = Float32Array.from({ length: 384 }, next);
    const scores = simdDots(data, 384, rows, q);
    expect(scores).toBeDefined();
    for (const i of [0, 1, rows - 1]) {
      let s = 0;
      for (let j = 0; j < 384; j++) s += data[i * 384 + j] * q[j];
      expect(scores?.[i]).toBeCloseTo(s, 4);
    }
    const even = (i: number) => i % 2 === 0;
    expect(topKByDot(data, 384, q, 50)).toEqual(reference(data, 384, q, 50, () => true));
    expect(topKByDot(data.subarray(0, 1000 * 384), 384, q, 20, even)).toEqual(reference(data.subarray(0, 1000 * 384), 384, q, 20, even));
  });

  it("keeps a plain array where SIMD cannot or need not serve", () => {
    expect(simdDots(allocateVectors(SIMD_MIN_ROWS, 13), 13, 10, new Float32Array(13))).toBeUndefined();
    expect(simdDots(allocateVectors(10, 384), 384, 10, new Float32Array(384))).toBeUndefined();
    expect(simdDots(new Float32Array(SIMD_MIN_ROWS * 8), 8, 10, new Float32Array(8))).toBeUndefined();
  });

  it("returns nothing for a zero limit and only positive scores", () => {
    const data = new Float32Array([1, 0, -1, 0, 0.5, 0]);
    expect(topKByDot(data, 2, new Float32Array([1, 0]), 0)).toEqual([]);
    expect(topKByDot(data, 2, new Float32Array([1, 0]), 10)).toEqual([0, 2]);
  });
});
