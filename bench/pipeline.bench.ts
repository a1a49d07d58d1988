import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resourceUsage } from "node:process";
import WebSocket from "ws";
import { startHost } from "../host";
import { parseArgs } from "../cli/args";
import { loadConfig } from "../shared/runtime/config";
import { measureParseThroughput } from "../shared/ingest/parse-throughput";
import { createContext } from "../shared/runtime/context";
import { DATASETS_DIR, percentile, tempDataDir } from "./support";

// `npm run bench [-- --limit N --queries N --concurrency N]`: ingestion throughput and query latency on
// the embedded default, through the real path (files dropped in the bucket folder, queries as jobs
// followed over a WebSocket). Prints figures; asserts nothing.

const { flags } = parseArgs(process.argv.slice(2));
const limit = Number(flags.limit ?? 5183);
const queryCount = Number(flags.queries ?? 100);
const concurrency = Number(flags.concurrency ?? 4);

const corpus = readFileSync(join(DATASETS_DIR, "scifact/corpus.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .slice(0, limit)
  .map((l) => JSON.parse(l));
const questions = readFileSync(join(DATASETS_DIR, "scifact/questions.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l))
  .slice(0, queryCount);

const data = tempDataDir();
const ctx = createContext(loadConfig({ ...process.env, RAGLINE_DATA_DIR: data.dir, RAGLINE_MAX_QUEUED_JOBS: "100000" }));
const host = await startHost({ ctx, port: 0 });
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

console.log(`scifact: ${corpus.length} abstracts, ${questions.length} questions, query concurrency ${concurrency}`);
const t0 = performance.now();
for (const doc of corpus) writeFileSync(join(ctx.config.bucketDir, `${doc.id}.txt`), `${doc.title}\n\n${doc.text}`);
for (;;) {
  const c = await ctx.catalog.counts();
  const done = (c.indexed ?? 0) + (c.failed ?? 0) + (c.duplicate ?? 0);
  process.stderr.write(`\r  ingest: ${done}/${corpus.length}`);
  if (done >= corpus.length) break;
  await new Promise((r) => setTimeout(r, 250));
}
const ingestS = (performance.now() - t0) / 1000;
const counts = await ctx.catalog.counts();
let chunks = 0;
for (const d of await ctx.catalog.list({ limit: 100_000 })) chunks += d.chunks ?? 0;
process.stderr.write("\n");

const latencies: number[] = [];
const stageMs: Record<string, number[]> = {};
const firstEvent: number[] = [];
const q0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < questions.length) {
      const q = questions[next++];
      const start = performance.now();
      const res = await fetch(`${host.url}/queries`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ question: q.question }),
      });
      const { jobId } = (await res.json()) as { jobId: string };
      await new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(host.wsUrl);
        let first = true;
        ws.on("open", () => ws.send(JSON.stringify({ action: "subscribe", jobId, afterSeq: 0 })));
        ws.on("message", (raw) => {
          const e = JSON.parse(raw.toString());
          if (first) {
            firstEvent.push(performance.now() - start);
            first = false;
          }
          if (e.type === "done" || e.type === "failed") {
            latencies.push(performance.now() - start);
            for (const [stage, ms] of Object.entries((e.data.timings ?? {}) as Record<string, number>)) (stageMs[stage] ??= []).push(ms);
            ws.close();
            resolve();
          }
        });
        ws.on("error", reject);
      });
    }
  }),
);
const queryS = (performance.now() - q0) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, resourceUsage().maxRSS * 1024);

const fmt = (n: number) => n.toFixed(1);
console.log(`ingestion: ${corpus.length} documents (${counts.indexed ?? 0} indexed, ${counts.failed ?? 0} failed) → ${chunks} chunks in ${fmt(ingestS)} s`);
console.log(`           ${fmt(corpus.length / ingestS)} documents/s, ${fmt(chunks / ingestS)} chunks/s`);
console.log(`queries:   ${latencies.length} jobs in ${fmt(queryS)} s (${fmt(latencies.length / queryS)} jobs/s)`);
console.log(
  `           submit→done p50 ${fmt(percentile(latencies, 50))} ms, p95 ${fmt(percentile(latencies, 95))} ms; submit→first event p50 ${fmt(percentile(firstEvent, 50))} ms`,
);
console.log(
  `stages:    ${Object.entries(stageMs)
    .map(([k, v]) => `${k} p50 ${fmt(percentile(v, 50))} ms`)
    .join(", ")}`,
);
console.log(`memory:    peak RSS ${fmt(peakRss / 1024 / 1024)} MiB`);
console.log(`backends:  ${ctx.index.name}, ${ctx.embedder.backend}:${ctx.embedder.model}, ${ctx.generator.backend}:${ctx.generator.model}`);

await host.close();
data.cleanup();

// Parsing real filings and scans: our PDF reader against pdftotext -layout, and OCR.
console.log((await measureParseThroughput(DATASETS_DIR, { ocrPages: 5 })).lines.join("\n"));
