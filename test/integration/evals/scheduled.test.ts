import type { ScheduledEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { tempDir, waitFor } from "../../helpers/tmp";
import { writeToyDataset, TOY_DOCS } from "./toy-dataset";

// The scheduled evals function inside a running system (the host in this process): it is invoked
// with an EventBridge scheduled event, ingests through the bucket, runs jobs through the queue,
// stores the report in the bucket and prints the headline metrics as EMF.

const env = { RAGLINE_METRICS: "emf", RAGLINE_EVAL_SUITE: "toy" } as Record<string, string>;

describe("evals-run (scheduled function)", () => {
  const t = tempDir("ragline-evals-sched-");
  const saved: Record<string, string | undefined> = {};
  let host: Awaited<ReturnType<typeof import("../../../evals/run/local-host").startLocalHost>>;

  beforeAll(async () => {
    env.RAGLINE_EVAL_DATASETS = writeToyDataset(t.dir);
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    vi.resetModules(); // the metrics module decides at import whether EMF is on
    const { startLocalHost } = await import("../../../evals/run/local-host");
    host = await startLocalHost();
  }, 60_000);

  afterAll(async () => {
    await host?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    t.cleanup();
  });

  it("runs the suite as jobs, stores the report in the bucket and emits the headline metrics", async () => {
    const { handler } = await import("../../../functions/schedule/evals-run");
    const { scheduledEvent } = await import("../../../host/schedule");
    const { lambdaContext } = await import("../../../host/lambda-context");
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    let outcome;
    try {
      outcome = await handler(scheduledEvent("evals-run") as ScheduledEvent, lambdaContext("evals-run", 900));
    } finally {
      spy.mockRestore();
    }
    expect(outcome.skipped).toBeUndefined();
    expect(outcome.headline.toy).toMatchObject({ Questions: 6, QuestionsNotCompleted: 0, DocumentsFailed: 0 });
    expect(outcome.headline.toy.UsefulShare).toBeGreaterThan(0);

    const latest = JSON.parse((await host.ctx.objects.get(".reports/evals/latest.json"))!.body.toString());
    expect(latest.id).toBe(outcome.reportId);
    const report = JSON.parse((await host.ctx.objects.get(latest.json))!.body.toString());
    expect(report).toMatchObject({ kind: "scheduled", target: "ports" });
    expect((await host.ctx.objects.get(latest.html))!.body.toString()).toContain("<svg");

    const emf = lines
      .flatMap((l) => l.split("\n"))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l));
    const toy = emf.find((e) => e.dataset === "toy" && "EvalUsefulShare" in e);
    expect(toy).toBeDefined();
    expect(toy._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: "ragline", Dimensions: [expect.arrayContaining(["dataset"])] });
    expect(toy.EvalRecallAt10).toBeGreaterThan(0);
  }, 60_000);

  it("keeps eval documents out of users' answers (ACL'd to the eval group)", async () => {
    const docs = await host.ctx.catalog.list({ prefix: "evals/toy/" });
    expect(docs).toHaveLength(TOY_DOCS);
    expect(docs.every((d) => d.status === "indexed" && d.metadata?.acl?.includes("ragline-evals"))).toBe(true);
    const res = await fetch(`${host.url}/queries`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "What do glaciers carve as they advance?" }),
    });
    const { jobId } = (await res.json()) as { jobId: string };
    type JobView = { status: string; abstained?: boolean; citations?: unknown[] };
    const job = await waitFor(
      async () => {
        const j = (await (await fetch(`${host.url}/queries/${jobId}`)).json()) as JobView;
        return ["completed", "failed"].includes(j.status) ? j : undefined;
      },
      "the job to end",
      30_000,
      50,
    );
    expect(job).toMatchObject({ status: "completed", abstained: true });
    expect(job.citations ?? []).toEqual([]);
  });

  it("skips cleanly when the datasets are absent", async () => {
    const { runScheduledEvals } = await import("../../../evals/scheduled");
    const { loadEvalConfig } = await import("../../../evals/config");
    const outcome = await runScheduledEvals(host.ctx, loadEvalConfig({ ...process.env, RAGLINE_EVAL_DATASETS: `${t.dir}/nowhere` }));
    expect(outcome.skipped).toMatch(/not found/);
    expect((await runScheduledEvals(host.ctx, loadEvalConfig({ RAGLINE_EVAL_SUITE: "off" }))).skipped).toMatch(/off/);
  });
});
