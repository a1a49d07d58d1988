import { describe, expect, it, vi } from "vitest";

describe("business metrics (powertools EMF)", () => {
  it("prints EMF lines only when asked to (RAGLINE_METRICS=emf) and flushes only what was recorded", async () => {
    vi.resetModules();
    const prev = { m: process.env.RAGLINE_METRICS, d: process.env.POWERTOOLS_METRICS_DISABLED };
    process.env.RAGLINE_METRICS = "emf";
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    try {
      const { metrics, MetricUnit, flushMetrics } = await import("../../../shared/observability/metrics");
      const lines: string[] = [];
      const spy = vi.spyOn(process.stdout, "write").mockImplementation((l: string | Uint8Array) => {
        lines.push(String(l));
        return true;
      });
      const mw = flushMetrics();
      await mw.after!({} as never);
      expect(lines).toEqual([]);
      metrics.addMetric("JobsCompleted", MetricUnit.Count, 1);
      await mw.after!({} as never);
      spy.mockRestore();
      const emf = lines
        .flatMap((l) => l.split("\n"))
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l))
        .find((o) => o._aws);
      expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe("ragline");
      expect(emf.JobsCompleted).toBe(1);
    } finally {
      process.env.RAGLINE_METRICS = prev.m;
      if (prev.d === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
      else process.env.POWERTOOLS_METRICS_DISABLED = prev.d;
      if (prev.m === undefined) delete process.env.RAGLINE_METRICS;
    }
  });
});
