// The gate's tolerances, as pure rules (evals/README.md "The gate" states them; the unit test
// test/unit/evals/gate-tolerance.test.ts checks each metric at a 9% and an 11% drop).
//
// - Quality (every recorded metric in 0..1, and the useful share): a drop of 10% or more of the
//   baseline's value fails. The gate suite is deterministic on the local backends, so any drop is a
//   change of behaviour; 10% relative is where it stops being an accepted trade-off.
// - Latency (end-to-end p50): more than 5 x the baseline fails, a baseline under 40 ms counting as
//   40 ms (below that, scheduling on a shared 2-core CI machine moves it by several times; runs of the
//   same code measured 10-115 ms). p95 is not gated: its spread on that machine is 5-20x.

export const TOLERANCE = { maxRelativeDrop: 0.1, latencyFactor: 5, latencyFloorMs: 40 } as const;

export interface Verdict {
  ok: boolean;
  allowed: string;
}

/** A quality metric holds while it has lost less than maxRelativeDrop of its baseline value. */
export function qualityHolds(baseline: number, current: number): Verdict {
  const floor = baseline * (1 - TOLERANCE.maxRelativeDrop);
  // a drop of exactly 10% fails; 1e-9 absorbs float noise in the mean (0.95 * 0.9 is 0.8549999...).
  return { ok: baseline <= 0 || current > floor + 1e-9, allowed: `> ${floor.toFixed(3)}` };
}

/** The p50 latency limit for a baseline p50 (ms). */
export function latencyLimitMs(baselineP50: number): number {
  return Math.max(baselineP50, TOLERANCE.latencyFloorMs) * TOLERANCE.latencyFactor;
}

export function latencyHolds(baselineP50: number, currentP50: number): Verdict {
  const limit = latencyLimitMs(baselineP50);
  return { ok: currentP50 <= limit, allowed: `<= ${Math.round(limit)}` };
}
