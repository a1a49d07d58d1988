import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runQueryJob } from "../shared/query/run-job";
import { submitQuery } from "../shared/query/submit";
import { loadConfig } from "../shared/runtime/config";
import { createEmbeddedContext } from "../shared/runtime/context";
import { PORT_METHODS } from "../shared/runtime/remote-context";
import { ingestDirectly, type Doc } from "./direct-ingest";
import { benchFlags, DATASETS_DIR, percentile, tempDataDir } from "./support";

// `npm run bench` (job bookkeeping): bytes the process writes (write/pwrite syscalls: WAL frames,
// checkpoints into the database file) per query job on the embedded default, counted from
// /proc/self/io around each job-store call; and what a finished job keeps. Target: <= 60 KiB a job.

const flags = benchFlags();
const docCount = Number(flags.docs ?? 1000);
const jobCount = Number(flags.jobs ?? 200);
const TARGET_KIB = 60;
const BEFORE_KIB = 757.4; // measured with this bench (1000 docs, 200 jobs) on the store of 0e6ef7c

const written = () => Number(/wchar:\s*(\d+)/.exec(readFileSync("/proc/self/io", "utf8"))![1]);

const lines = (file: string) =>
  readFileSync(join(DATASETS_DIR, file), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const corpus = lines("scifact/corpus.jsonl").slice(0, docCount) as Doc[];
const questions = lines("scifact/questions.jsonl") as { question: string }[];

const data = tempDataDir();
const ctx = createEmbeddedContext(loadConfig({ ...process.env, RAGLINE_DATA_DIR: data.dir, RAGLINE_MAX_QUEUED_JOBS: "100000" }));
await ingestDirectly(ctx, corpus);

// Every job-store call counts the bytes written while it ran (jobs run one at a time: nothing else writes then).
let storeBytes = 0;
const byMethod = new Map<string, { calls: number; bytes: number; each: number[] }>();
let depth = 0; // a store method calling another (create → get) is counted once
const store = ctx.jobs as unknown as Record<string, unknown>;
for (const name of PORT_METHODS.jobs) {
  const fn = store[name];
  if (typeof fn !== "function") continue;
  store[name] = async (...args: unknown[]) => {
    const before = written();
    depth++;
    try {
      return await (fn as (...a: unknown[]) => Promise<unknown>).apply(ctx.jobs, args);
    } finally {
      if (--depth === 0) {
        const n = written() - before;
        storeBytes += n;
        const m = byMethod.get(name) ?? { calls: 0, bytes: 0, each: [] };
        m.each.push(n);
        byMethod.set(name, { calls: m.calls + 1, bytes: m.bytes + n, each: m.each });
      }
    }
  };
}

const perJob: number[] = [];
const perJobAll: number[] = [];
for (let i = 0; i < jobCount; i++) {
  const before = storeBytes;
  const all = written();
  const job = await submitQuery(ctx, { question: questions[i % questions.length].question });
  const outcome = await runQueryJob(ctx, job.id);
  if (outcome !== "completed") throw new Error(`job ${job.id} ended ${outcome}`);
  perJob.push(storeBytes - before);
  perJobAll.push(written() - all);
}
const db = (ctx.jobs as unknown as { db: import("better-sqlite3").Database }).db;
const kept = db
  .prepare(`SELECT SUM(length(request) + COALESCE(length(result), 0) + length(checkpoints)) AS jobs,
  (SELECT SUM(length(data)) FROM job_log) AS events FROM jobs`)
  .get() as { jobs: number; events: number };

const kib = (n: number) => (n / 1024).toFixed(1);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
console.log(
  `job bookkeeping: ${jobCount} query jobs over ${corpus.length} scifact abstracts (top-k ${ctx.config.RAGLINE_TOP_K}, ${ctx.generator.backend} generator)`,
);
console.log(
  `  job store writes per job: mean ${kib(mean(perJob))} KiB, p50 ${kib(percentile(perJob, 50))}, p95 ${kib(percentile(perJob, 95))} (target <= ${TARGET_KIB} KiB: ${mean(perJob) / 1024 <= TARGET_KIB ? "met" : "NOT met"})`,
);
console.log(`  before (whole checkpoints rewritten each stage, an event a commit; this bench at 0e6ef7c): mean ${BEFORE_KIB} KiB`);
console.log(`  whole process per job (queue included): mean ${kib(mean(perJobAll))} KiB`);
console.log(
  `  kept per finished job: ${kib((kept.jobs + kept.events) / jobCount)} KiB (rows ${kib(kept.jobs / jobCount)}, events ${kib(kept.events / jobCount)})`,
);
console.log(
  `  by call, per job: ${[...byMethod]
    .filter(([, m]) => m.bytes)
    .map(([k, m]) => `${k} ${(m.calls / jobCount).toFixed(1)}x ${kib(m.bytes / jobCount)} KiB (p50 ${kib(percentile(m.each, 50))})`)
    .join(", ")}`,
);
await ctx.close();
data.cleanup();
