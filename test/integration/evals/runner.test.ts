import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditSheetFrom, importSheet, sheetCsv } from "../../../evals/audit/sheet";
import { parseCsv, toCsv } from "../../../evals/audit/csv";
import { loadDataset } from "../../../evals/datasets/loader";
import { evaluate, settingsOf } from "../../../evals/evaluate";
import { renderHtml } from "../../../evals/report/html";
import { REPORTS_PREFIX, writeReportToBucket } from "../../../evals/report/store";
import type { EvalReport } from "../../../evals/report/types";
import { HttpPipelineClient } from "../../../evals/run/http-client";
import { startLocalHost, type LocalHost } from "../../../evals/run/local-host";
import { runDataset } from "../../../evals/run/runner";
import { scoreRun } from "../../../evals/score";
import { LlmJudge } from "../../../evals/verdict/judge";
import { StandInInferenceHost } from "../../helpers/inference-server";
import { tempDir } from "../../helpers/tmp";
import { TOY_DOCS, TOY_QUESTIONS, writeToyDataset } from "./toy-dataset";

// The runner end to end on the embedded default: a host in this process, documents PUT over the
// HTTP API and ingested by the queue workers, questions POSTed as jobs and followed to the end.

describe("eval runner through the real HTTP API and jobs", () => {
  const t = tempDir("ragline-evals-it-");
  const root = writeToyDataset(t.dir);
  let host: LocalHost;
  let report: EvalReport;

  beforeAll(async () => {
    host = await startLocalHost();
    report = await evaluate({
      client: new HttpPipelineClient(host.url),
      suite: { name: "toy", parts: [{ dataset: "toy" }] },
      kind: "run",
      root,
      settings: settingsOf(host.config),
    });
  }, 60_000);
  afterAll(async () => {
    await host?.close();
    t.cleanup();
  });

  it("ingests every document and completes every question as a job", () => {
    const d = report.datasets[0];
    expect(d.ingest).toMatchObject({ documents: TOY_DOCS, uploaded: TOY_DOCS, indexed: TOY_DOCS, failed: [] });
    expect(d.summary).toMatchObject({ questions: TOY_QUESTIONS, completed: TOY_QUESTIONS, notCompleted: 0 });
    expect(d.questions.every((q) => q.jobId)).toBe(true);
    expect(report.backends.generator).toBe("local:extractive-v2");
    expect(report.notes.join(" ")).toMatch(/lexical hashed n-gram embedder/);
  });

  it("scores retrieval from the job's event log and answers against the gold", () => {
    const d = report.datasets[0];
    const q1 = d.questions.find((q) => q.id === "q1")!;
    expect(q1.retrievedDocIds[0]).toBe("glacier");
    expect(q1.scores).toMatchObject({ "recall@10": 1, mrr: 1, "ndcg@10": 1 });
    expect(q1.citesGold).toBe(true);
    expect(q1.answer).toMatch(/U-shaped valleys/);
    expect(q1.scores.exact_match).toBe(0); // an extractive sentence is not the bare answer...
    expect(q1.verdict).toBe("useful"); // ...but it states it, from the gold document
    const q2 = d.questions.find((q) => q.id === "q2")!;
    expect(q2.scores.token_f1).toBeGreaterThan(0);
    expect(d.summary.metrics["recall@10"]!.n).toBe(TOY_QUESTIONS - 1); // not on the unanswerable one
    expect(d.summary.metrics.abstention_correct!.n).toBe(TOY_QUESTIONS);
    expect(d.summary.usefulShare!.n).toBe(TOY_QUESTIONS);
    expect(Object.keys(d.summary.latency)).toEqual(expect.arrayContaining(["retrieve", "generate", "end_to_end", "queue"]));
  });

  it("renders a self-contained HTML report with plots", () => {
    const html = renderHtml(report);
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(3);
    expect(html).not.toMatch(/<script|<link|<img|src="http|href="http/); // nothing loaded from elsewhere
    expect(html).toContain("What do glaciers carve as they advance?");
  });

  it("stores reports in the bucket's reports area without ingesting them", async () => {
    const { html } = await writeReportToBucket(host.ctx.objects, report);
    expect(html.startsWith(REPORTS_PREFIX)).toBe(true);
    expect((await host.ctx.objects.get(html))!.body.toString()).toMatch(/^<!doctype html>/);
    await new Promise((r) => setTimeout(r, 1500)); // a few bucket scans
    expect(await host.ctx.catalog.list({ prefix: ".reports" })).toEqual([]);
  });

  it("a second run skips documents already indexed with the same bytes", async () => {
    const again = await evaluate({
      client: new HttpPipelineClient(host.url),
      suite: { name: "toy", parts: [{ dataset: "toy", limit: 2 }] },
      kind: "run",
      root,
    });
    expect(again.datasets[0].ingest).toMatchObject({ uploaded: 0, unchanged: TOY_DOCS });
    expect(again.datasets[0].questions.map((q) => q.id)).toEqual(["q1", "q2"]);
  });

  it("a question file of one's own, without documents, asks what the system already holds", async () => {
    const own = join(t.dir, "users");
    mkdirSync(own);
    writeFileSync(join(own, "questions.jsonl"), `${JSON.stringify({ id: "u1", question: "What shape of valleys do glaciers carve?" })}\n`);
    const r = await evaluate({
      client: new HttpPipelineClient(host.url),
      suite: { name: "users", parts: [{ dataset: own }] },
      kind: "audit",
      questionsFile: join(own, "questions.jsonl"),
    });
    const [q] = r.datasets[0].questions;
    expect(r.datasets[0].ingest.uploaded).toBe(0);
    expect(q.citations.map((c) => c.documentKey)).toContain("evals/toy/glacier.txt");
    expect(q.verdict).toBeUndefined(); // no gold: for the person with the audit sheet
  });

  it("an LLM judge gives the verdicts when configured, and sees no system internals", async () => {
    const llm = await StandInInferenceHost.start();
    try {
      llm.reply = () => '{"verdict": "partly", "reason": "stand-in"}';
      const ds = loadDataset("toy", { root });
      const qs = ds.questions.slice(0, 2);
      const run = await runDataset({
        client: new HttpPipelineClient(host.url),
        dataset: ds,
        questions: qs,
        documentIds: ds.documentIds,
        namespace: "evals/toy/",
      });
      const records = await scoreRun(ds, qs, run, new LlmJudge({ url: `${llm.url}/v1`, model: "judge-model" }));
      expect(records.map((r) => [r.verdict, r.verdictBy])).toEqual([
        ["partly", "judge:judge-model"],
        ["partly", "judge:judge-model"],
      ]);
      const sent = JSON.stringify(llm.chatRequests().map((r) => r.body));
      expect(sent).toContain("judge-model");
      expect(sent).toContain("U-shaped valleys");
      expect(sent).not.toMatch(/extractive|hashed|sqlite/);
    } finally {
      await llm.stop();
    }
  });

  it("the audit: a blind sheet from a sample, and the useful share from the filled sheet", async () => {
    const audit = await evaluate({
      client: new HttpPipelineClient(host.url),
      suite: { name: "audit", parts: [{ dataset: "toy", sample: { n: 4, seed: 7 } }] },
      kind: "audit",
      root,
    });
    const { items, key } = auditSheetFrom(audit);
    expect(items).toHaveLength(4);
    const csv = sheetCsv(items);
    expect(csv).not.toMatch(/rule-v1|useful|recall|toy\/q\d/); // no verdicts, scores or dataset ids on the sheet
    const [header, ...rows] = parseCsv(csv);
    rows.forEach((r, i) => {
      r[header.indexOf("verdict")] = i < 3 ? "useful" : "wrong";
    });
    const result = importSheet(toCsv([header, ...rows]), key);
    expect(result.usefulShare).toMatchObject({ value: 0.75, n: 4 });
    expect(result.agreement!.n).toBe(4);
  });
});
