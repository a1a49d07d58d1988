import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { parseArgs } from "../cli/args";
import { startHost, type Host } from "../host";
import type { GenerateRequest, Generator } from "../shared/ports/models";
import { loadConfig } from "../shared/runtime/config";
import { createContext } from "../shared/runtime/context";
import { topology } from "../shared/topology";
import { sleep } from "../shared/util/time";
import { DATASETS_DIR, percentile, tempDataDir } from "./support";

// `npm run bench:load [-- --clients N --jobs N --seconds S]`: concurrent clients over HTTP and
// WebSocket on loopback against the in-process host. Generation is SIMULATED to cost like a model
// (a fixed delay plus a delay per source), so the scheduling is measured, not the local generator.
// Run 1: N clients, bounded by job count and time: jobs/s, time-to-first-event, time-to-done, 429s.
// Run 2: steady short jobs alone, then with a burst of long jobs: short-job p95 both ways.
// Run 3: one authenticated caller floods past its in-flight limit: 429 + Retry-After past it, and
// every accepted job ends.

const { flags } = parseArgs(process.argv.slice(2));
const clients = Number(flags.clients ?? 32);
const maxJobs = Number(flags.jobs ?? 400);
const maxSeconds = Number(flags.seconds ?? 30);

class SimulatedCostGenerator implements Generator {
  readonly model: string;
  readonly backend: string;
  constructor(
    private readonly inner: Generator,
    private readonly baseMs: number,
    private readonly perSourceMs: number,
  ) {
    this.model = `${inner.model} (+simulated cost)`;
    this.backend = inner.backend;
  }
  async *generate(req: GenerateRequest): AsyncIterable<string> {
    await sleep(this.baseMs + this.perSourceMs * req.sources.length);
    yield* this.inner.generate(req);
  }
}

const data = tempDataDir();
const FLOOD_KEY = "bench-flood-key-0123456789";
const PER_CALLER = 4;
const ctx = createContext(
  loadConfig({
    ...process.env,
    RAGLINE_DATA_DIR: data.dir,
    RAGLINE_MAX_QUEUED_JOBS: String(Math.max(50, clients * 2)),
    // Anonymous callers (runs 1 and 2) share no per-caller quota; the keyed caller of run 3 has one.
    RAGLINE_API_KEYS: JSON.stringify([{ key: FLOOD_KEY, tenant: "default", subject: "flooder", roles: ["reader"] }]),
    RAGLINE_MAX_JOBS_PER_CALLER: String(PER_CALLER),
  }),
);
ctx.generator = new SimulatedCostGenerator(ctx.generator, 20, 8);
const host = await startHost({ ctx, port: 0 });

const corpus = readFileSync(join(DATASETS_DIR, "scifact/corpus.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .slice(0, 1000)
  .map((l) => JSON.parse(l));
const questions: string[] = readFileSync(join(DATASETS_DIR, "scifact/questions.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l).question);
for (const d of corpus) writeFileSync(join(ctx.config.bucketDir, `${d.id}.txt`), `${d.title}\n\n${d.text}`);
while (((await ctx.catalog.counts()).indexed ?? 0) < corpus.length) await sleep(200);

interface Outcome {
  status: number;
  firstMs?: number;
  doneMs?: number;
  retryAfter?: string | null;
  final?: string;
  jobId?: string;
}

async function runJob(h: Host, body: Record<string, unknown>, key?: string): Promise<Outcome> {
  const start = performance.now();
  const res = await fetch(`${h.url}/queries`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { "x-api-key": key } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { jobId?: string };
  if (res.status !== 202 || !json.jobId) return { status: res.status, retryAfter: res.headers.get("retry-after") };
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(key ? `${h.wsUrl}?token=${key}` : h.wsUrl);
    let firstMs: number | undefined;
    ws.on("open", () => ws.send(JSON.stringify({ action: "subscribe", jobId: json.jobId, afterSeq: 0 })));
    ws.on("message", (raw) => {
      const e = JSON.parse(raw.toString());
      firstMs ??= performance.now() - start;
      if (e.type === "done" || e.type === "failed") {
        ws.close();
        resolve({ status: 202, firstMs, doneMs: performance.now() - start, final: e.type, jobId: json.jobId });
      }
    });
    ws.on("error", reject);
  });
}

const stats = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(0)} ms, p95 ${percentile(xs, 95).toFixed(0)} ms, p99 ${percentile(xs, 99).toFixed(0)} ms`;

// Run 1: closed loop, N clients, bounded by jobs and seconds. A 429 makes the client wait Retry-After.
{
  const outcomes: Outcome[] = [];
  let issued = 0;
  const deadline = performance.now() + maxSeconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (issued < maxJobs && performance.now() < deadline) {
        issued++;
        const o = await runJob(host, { question: questions[(issued + c) % questions.length] });
        outcomes.push(o);
        if (o.status === 429) await sleep(ctx.config.RAGLINE_RETRY_AFTER_SECONDS * 1000);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const done = outcomes.filter((o) => o.doneMs !== undefined);
  console.log(
    `load: ${clients} clients, ${outcomes.length} submissions in ${secs.toFixed(1)} s → ${(done.length / secs).toFixed(1)} jobs/s completed, ${outcomes.filter((o) => o.status === 429).length} × 429`,
  );
  console.log(`  time to first event: ${stats(done.map((o) => o.firstMs!))}`);
  console.log(`  time to done:        ${stats(done.map((o) => o.doneMs!))}`);
}

// Run 2: steady short jobs (one every 50 ms for 6 s), alone and then alongside a burst of long jobs.
async function steadyShort(withBurst: boolean): Promise<number[]> {
  const burst = withBurst ? Array.from({ length: 40 }, (_, i) => runJob(host, { question: questions[i], topK: 40, jobClass: "long" })) : [];
  const shorts: Promise<Outcome>[] = [];
  for (let i = 0; i < 120; i++) {
    shorts.push(runJob(host, { question: questions[(i * 7) % questions.length], topK: 5 }));
    await sleep(50);
  }
  const out = await Promise.all(shorts);
  await Promise.all(burst);
  return out.filter((o) => o.doneMs !== undefined).map((o) => o.doneMs!);
}
const alone = await steadyShort(false);
const mixed = await steadyShort(true);
console.log(`mixed: short jobs alone ${stats(alone)}`);
console.log(`       short jobs during a burst of 40 long jobs ${stats(mixed)}`);
console.log(
  `       (long jobs run on their own queue with ${topology.functions["query-run-long"].concurrency} workers, short ones with ${topology.functions["query-run"].concurrency}; simulated generation 20 ms + 8 ms/source)`,
);

// Run 3: one caller, 40 submissions at once, limit PER_CALLER in flight. Generation costs 2 s here, so
// the accepted jobs are still in flight while the rest arrive.
{
  const inner = ctx.generator;
  ctx.generator = new SimulatedCostGenerator(inner, 2000, 0);
  const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => runJob(host, { question: questions[i] }, FLOOD_KEY)));
  const accepted = flood.filter((o) => o.status === 202);
  const refused = flood.filter((o) => o.status === 429);
  console.log(
    `flood: 40 simultaneous submissions from one caller (RAGLINE_MAX_JOBS_PER_CALLER=${PER_CALLER}): ${accepted.length} × 202, ${refused.length} × 429 ` +
      `(${refused.filter((o) => o.retryAfter).length} with Retry-After), ${flood.length - accepted.length - refused.length} other; ` +
      `accepted jobs ended: ${accepted.filter((o) => o.final === "done").length} done, ${accepted.filter((o) => o.final === "failed").length} failed of ${accepted.length}`,
  );
  // The server's own record of each accepted job (created → ended): how many were in flight at once.
  const spans = await Promise.all(
    accepted.map(async (o) => {
      const j = (await (await fetch(`${host.url}/queries/${o.jobId}`, { headers: { "x-api-key": FLOOD_KEY } })).json()) as {
        createdAt: string;
        updatedAt: string;
      };
      return [Date.parse(j.createdAt), Date.parse(j.updatedAt)] as const;
    }),
  );
  const edges = spans
    .flatMap(
      ([a, b]) =>
        [
          [a, 1],
          [b, -1],
        ] as const,
    )
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0,
    most = 0;
  for (const [, d] of edges) {
    now += d;
    most = Math.max(most, now);
  }
  console.log(`       at most ${most} of that caller's jobs in flight at once (created → ended, as the server recorded them); limit ${PER_CALLER}`);
  ctx.generator = inner;
}

await host.close();
data.cleanup();
