import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { startHost } from "../host";
import { SqliteDocumentCatalog } from "../shared/adapters/embedded/sqlite-document-catalog";
import { SqliteQueue } from "../shared/adapters/embedded/sqlite-queue";
import { SqliteSearchIndex } from "../shared/adapters/embedded/sqlite-search-index";
import { loadConfig } from "../shared/runtime/config";
import { createEmbeddedContext } from "../shared/runtime/context";
import { docBody, ingestDirectly, type Doc } from "./direct-ingest";
import { benchFlags, DATASETS_DIR, tempDataDir } from "./support";

// `npm run bench` (ingestion overhead): scifact abstracts through the embedded pipeline (files dropped
// in the bucket folder, notifications, queues, catalog) vs the same parse/chunk/embed/index stages
// called directly, in interleaved rounds of fresh documents, one process. Prints docs/s and CPU per
// document of each, and their ratio per round; the host thread's event-loop delay while it ingests
// (what a request arriving then waits); SQLite commits per document. Target: pipeline >= 0.6x direct. Files are written
// beside the bucket before the clock starts and renamed in while it runs (as rsync and mv deliver
// them), so the bucket announces each after a quick look; `--in-place` writes them in the folder
// instead, and then the pipeline's time includes the settle wait (a file written in place is
// announced once it has stayed unchanged for RAGLINE_SCAN_INTERVAL_MS). The worker-thread hops
// (RAGLINE_WORKERS) can be set here too.

const flags = benchFlags();
const perRound = Number(flags.docs ?? 400);
const rounds = Number(flags.rounds ?? 4);
const inPlace = flags["in-place"] === "true";
const TARGET = 0.6;

const corpus = readFileSync(join(DATASETS_DIR, "scifact/corpus.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l)) as Doc[];
const WARMUP = 60; // documents each path ingests first, unmeasured: handlers loaded, worker threads started
if (corpus.length < 2 * perRound * rounds + 2 * WARMUP) throw new Error(`need ${2 * perRound * rounds + 2 * WARMUP} documents, scifact has ${corpus.length}`);

const pipeDir = tempDataDir();
const pipe = createEmbeddedContext(loadConfig({ ...process.env, RAGLINE_DATA_DIR: pipeDir.dir }));
const host = await startHost({ ctx: pipe, port: 0 });
const directDir = tempDataDir();
const direct = createEmbeddedContext(loadConfig({ ...process.env, RAGLINE_DATA_DIR: directDir.dir }));

let sent = 0;
const staging = join(pipeDir.dir, "staging");
mkdirSync(staging, { recursive: true });
/**
 * The copier's part, done before the clock starts: the files are written beside the bucket (or, in
 * place, not at all yet). The direct path reads its documents from memory, so neither side is timed
 * writing its input; the pipeline is timed reading it back from the bucket.
 */
function stage(docs: Doc[]): void {
  if (!inPlace) for (const doc of docs) writeFileSync(join(staging, `${doc.id}.txt`), docBody(doc));
}
async function throughPipeline(docs: Doc[], dropped?: () => void): Promise<void> {
  for (const doc of docs) {
    const target = join(pipe.config.bucketDir, `${doc.id}.txt`);
    if (inPlace) writeFileSync(target, docBody(doc));
    else renameSync(join(staging, `${doc.id}.txt`), target);
  }
  dropped?.();
  sent += docs.length;
  for (;;) {
    const c = await pipe.catalog.counts();
    if ((c.indexed ?? 0) + (c.failed ?? 0) + (c.duplicate ?? 0) >= sent) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Run {
  docsPerS: number;
  cpuMsPerDoc: number;
}
async function measure(run: () => Promise<unknown>, n: number): Promise<Run> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { docsPerS: n / s, cpuMsPerDoc: (c.user + c.system) / 1000 / n };
}

// How long anything arriving (a request, a handshake) waits for the host's one thread while it ingests,
// from the last file dropped (the copier's renames are this thread's work, not the host's).
const loopDelays: { p99: number; max: number }[] = [];
async function timedPipeline(docs: Doc[]): Promise<void> {
  let round: IntervalHistogram | undefined;
  await throughPipeline(docs, () => {
    round = monitorEventLoopDelay({ resolution: 5 });
    round.enable();
  });
  round?.disable();
  if (round) loopDelays.push({ p99: round.percentile(99) / 1e6, max: round.max / 1e6 });
}

stage(corpus.slice(0, WARMUP));
await throughPipeline(corpus.slice(0, WARMUP));
await ingestDirectly(direct, corpus.slice(WARMUP, 2 * WARMUP));
const ratios: number[] = [];
const lines: string[] = [];
for (let r = 0; r < rounds; r++) {
  const at = 2 * WARMUP + 2 * r * perRound;
  const a = corpus.slice(at, at + perRound);
  const b = corpus.slice(at + perRound, at + 2 * perRound);
  stage(a);
  // Alternate which goes first, so neither always runs on a warmer process.
  const piped = () => measure(() => timedPipeline(a), a.length);
  const called = () => measure(() => ingestDirectly(direct, b), b.length);
  let pipeRun: Run;
  let d: Run;
  if (r % 2 === 0) {
    pipeRun = await piped();
    d = await called();
  } else {
    d = await called();
    pipeRun = await piped();
  }
  ratios.push(pipeRun.docsPerS / d.docsPerS);
  lines.push(
    `  round ${r + 1}: pipeline ${pipeRun.docsPerS.toFixed(0)} docs/s (${pipeRun.cpuMsPerDoc.toFixed(2)} CPU-ms/doc), direct ${d.docsPerS.toFixed(0)} docs/s (${d.cpuMsPerDoc.toFixed(2)} CPU-ms/doc): ${ratios.at(-1)!.toFixed(2)}x`,
  );
}
const sorted = [...ratios].sort((x, y) => x - y);
const mid = Math.floor(sorted.length / 2);
const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
console.log(`ingestion, pipeline vs direct stage calls: ${rounds} interleaved rounds of ${perRound} scifact abstracts each`);
console.log(lines.join("\n"));
console.log(`  median ratio pipeline/direct: ${median.toFixed(2)}x (target >= ${TARGET}x: ${median >= TARGET ? "met" : "NOT met"})`);
console.log(
  inPlace
    ? `  (files written in the bucket folder: the pipeline's time includes the ${pipe.config.RAGLINE_SCAN_INTERVAL_MS} ms settle wait before each is announced; worker threads: ${host.workers?.pool.size ?? 0})`
    : `  (files renamed into the bucket folder: announced after a quick look; --in-place writes them there and waits the ${pipe.config.RAGLINE_SCAN_INTERVAL_MS} ms settle; worker threads: ${host.workers?.pool.size ?? 0})`,
);
console.log(
  `  the host thread's event-loop delay while the pipeline ingests, per round: ${loopDelays.map((d) => `p99 ${d.p99.toFixed(0)} ms / max ${d.max.toFixed(0)} ms`).join(", ")}`,
);
// Commits are what the pipeline adds per document beyond the direct path's two index transactions.
const commits = (port: unknown) =>
  port instanceof SqliteQueue || port instanceof SqliteDocumentCatalog || port instanceof SqliteSearchIndex ? port.commits : NaN;
const measured = WARMUP + rounds * perRound;
console.log(
  `  SQLite commits per document through the pipeline: queue ${(commits(pipe.queue) / measured).toFixed(1)}, catalog ${(commits(pipe.catalog) / measured).toFixed(1)}, index ${(commits(pipe.index) / measured).toFixed(2)} (direct: ${(commits(direct.index) / measured).toFixed(2)})`,
);
await host.close();
await pipe.close();
await direct.close();
pipeDir.cleanup();
directDir.cleanup();
