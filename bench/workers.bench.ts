import { spawn } from "node:child_process";
import { copyFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import WebSocket from "ws";
import { startHost as startHostHere } from "../host";
import { loadConfig } from "../shared/runtime/config";
import { createEmbeddedContext } from "../shared/runtime/context";
import { sleep } from "../shared/util/time";
import { DATASETS_DIR, percentile, tempDataDir } from "./support";

// The host's parse worker threads, side by side in one run (rounds interleave the settings).
// The host runs as its own process (`ragline dev`), so the clients here do not share its thread.
// 1. Responsiveness: CLIENTS clients ask QPS questions a second in all (open loop), each submitted
//    (POST /queries, timed), followed over a WebSocket (handshake timed) to its end: first with
//    nothing ingesting, then while the small financebench PDFs ingest. RAGLINE_WORKERS=0 (parse on
//    the request thread) vs the pool (one thread per core, less one).
// 2. Ingestion alone: the same PDFs, docs/s from the first file dropped to the last indexed, with
//    0, 1 and 2 worker threads.
// 3. The request thread itself: a host in this process, its event-loop delay (how long anything
//    arriving, a request or a handshake, waits for the thread) while the same PDFs ingest.

const ROUNDS = Number(process.env.WORKERS_ROUNDS ?? 2);
const CLIENTS = Number(process.env.WORKERS_CLIENTS ?? 20);
const QPS = Number(process.env.WORKERS_QPS ?? 2);
const IDLE_SECONDS = Number(process.env.WORKERS_IDLE_SECONDS ?? 8);
const POOL = "pool";
const root = join(import.meta.dirname, "..");

// Real filings, the small ones (8-Ks, earnings releases, 10-Qs under 500 KB: 9 files, ~190 pages).
const pdfDir = join(DATASETS_DIR, "financebench", "docs");
const pdfs = readdirSync(pdfDir)
  .filter((f) => f.endsWith(".pdf") && statSync(join(pdfDir, f)).size < 500_000)
  .sort();
const questions = [
  "What was the revenue growth in the quarter?",
  "Which segment had the highest operating income?",
  "What dividend was declared?",
  "How did gross margin change year over year?",
];

interface HostProc {
  url: string;
  bucket: string;
  stop(): Promise<void>;
}

async function startHost(workers: string): Promise<HostProc> {
  const data = tempDataDir();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: "ERROR",
    NODE_NO_WARNINGS: "1",
    RAGLINE_EVAL_SUITE: "off",
    RAGLINE_MAX_QUEUED_JOBS: "100000",
    RAGLINE_MAX_JOBS_PER_CALLER: "100000",
    RAGLINE_MAX_RUNNING_PER_TENANT: "64",
  };
  if (workers === POOL) delete env.RAGLINE_WORKERS;
  else env.RAGLINE_WORKERS = workers;
  const proc = spawn(process.execPath, ["--import", "tsx", join(root, "cli/main.ts"), "dev", "--data", data.dir, "--port", "0"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (out += d));
  for (let i = 0; !/API:\s+(http:\/\/\S+)/.test(out); i++) {
    if (proc.exitCode !== null || i > 600) throw new Error(`host did not start: ${out}`);
    await sleep(100);
  }
  const url = /API:\s+(http:\/\/\S+)/.exec(out)![1];
  return {
    url,
    bucket: join(data.dir, "bucket"),
    stop: () =>
      new Promise((resolve) => {
        proc.once("exit", () => {
          data.cleanup();
          resolve();
        });
        proc.kill("SIGTERM");
      }),
  };
}

async function counts(h: HostProc): Promise<Record<string, number>> {
  const r = await fetch(`${h.url}/documents?limit=1`);
  return ((await r.json()) as { counts: Record<string, number> }).counts;
}

/** Drops files into the bucket and waits until all are settled (indexed or failed); seconds taken. */
async function ingest(h: HostProc, files: { name: string; from?: string; text?: string }[]): Promise<number> {
  const before = await counts(h);
  const settled = (c: Record<string, number>) => (c.indexed ?? 0) + (c.failed ?? 0) - (before.indexed ?? 0) - (before.failed ?? 0);
  const t0 = performance.now();
  for (const f of files) f.from ? copyFileSync(f.from, join(h.bucket, f.name)) : writeFileSync(join(h.bucket, f.name), f.text!);
  while (settled(await counts(h)) < files.length) await sleep(100);
  const c = await counts(h);
  if ((c.failed ?? 0) > (before.failed ?? 0)) console.log(`  (${(c.failed ?? 0) - (before.failed ?? 0)} documents failed)`);
  return (performance.now() - t0) / 1000;
}

/** A few tiny documents, so that queries find something and every worker thread has started. */
const warmUp = (h: HostProc) =>
  ingest(
    h,
    [0, 1, 2, 3].map((i) => ({ name: `warm-${i}.txt`, text: `Warm-up note ${i}. Revenue grew ${i + 3} percent in the quarter. The dividend was ${i} cents.` })),
  );

interface Samples {
  post: number[];
  ws: number[];
  unfinished: number;
}

/**
 * CLIENTS clients, each asking every CLIENTS/QPS seconds (open loop: a slow answer does not slow the
 * arrivals), until `until()` says stop: submit (timed), open a WebSocket (timed), follow the job to its end.
 */
async function clients(h: HostProc, until: () => boolean): Promise<Samples> {
  const s: Samples = { post: [], ws: [], unfinished: 0 };
  const wsUrl = `${h.url.replace(/^http/, "ws")}/ws`;
  const ask = async (question: string) => {
    let t = performance.now();
    const res = await fetch(`${h.url}/queries`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) });
    const { jobId } = (await res.json()) as { jobId?: string };
    s.post.push(performance.now() - t);
    if (res.status !== 202 || !jobId) throw new Error(`POST /queries answered ${res.status}`);
    t = performance.now();
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(wsUrl);
      // A job that never ends must not hold the run: counted, and given up after a while.
      const timer = setTimeout(() => {
        s.unfinished++;
        ws.close();
        resolve();
      }, 120_000);
      ws.on("open", () => {
        s.ws.push(performance.now() - t);
        ws.send(JSON.stringify({ action: "subscribe", jobId, afterSeq: 0 }));
      });
      ws.on("message", (raw) => {
        const e = JSON.parse(raw.toString());
        if (e.type === "done" || e.type === "failed") {
          clearTimeout(timer);
          ws.close();
          resolve();
        }
      });
      ws.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  };
  const periodMs = (CLIENTS / QPS) * 1000;
  const client = async (c: number) => {
    const jobs: Promise<void>[] = [];
    await sleep((c / CLIENTS) * periodMs); // clients spread over the period
    for (let i = 0; !until(); i++) {
      jobs.push(ask(questions[(c + i) % questions.length]));
      await sleep(periodMs);
    }
    await Promise.all(jobs);
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  return s;
}

const pdfFiles = () => pdfs.map((f) => ({ name: f, from: join(pdfDir, f) }));
const results = { idle: new Map<string, Samples[]>(), ingesting: new Map<string, Samples[]>(), docsPerSecond: new Map<string, number[]>() };
const push = <T>(m: Map<string, T[]>, k: string, v: T) => m.set(k, [...(m.get(k) ?? []), v]);

console.log(`host worker threads: ${CLIENTS} clients asking ${QPS} questions/s, ${pdfs.length} financebench PDFs, ${ROUNDS} interleaved rounds`);
for (let r = 0; r < ROUNDS; r++) {
  for (const w of r % 2 ? [POOL, "0"] : ["0", POOL]) {
    const h = await startHost(w);
    await warmUp(h);
    const idleEnd = performance.now() + IDLE_SECONDS * 1000;
    push(results.idle, w, await clients(h, () => performance.now() > idleEnd));
    let done = false;
    const load = clients(h, () => done);
    const seconds = await ingest(h, pdfFiles());
    done = true;
    push(results.ingesting, w, await load);
    console.log(`  round ${r + 1}, RAGLINE_WORKERS=${w === POOL ? "unset (pool)" : w}: ingestion under load ${seconds.toFixed(1)} s`);
    await h.stop();
  }
  for (const w of r % 2 ? ["2", "1", "0"] : ["0", "1", "2"]) {
    const h = await startHost(w);
    await warmUp(h);
    const seconds = await ingest(h, pdfFiles());
    push(results.docsPerSecond, w, pdfs.length / seconds);
    console.log(`  round ${r + 1}, RAGLINE_WORKERS=${w}: ingestion alone ${(pdfs.length / seconds).toFixed(2)} docs/s`);
    await h.stop();
  }
}

/** Event-loop delay of an in-process host while the PDFs ingest: p95, p99, max in ms. */
async function loopDelayWhileIngesting(w: string): Promise<number[]> {
  const data = tempDataDir();
  const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: data.dir, RAGLINE_EVAL_SUITE: "off", ...(w === POOL ? {} : { RAGLINE_WORKERS: w }) }));
  const host = await startHostHere({ ctx, port: 0 });
  const h: HostProc = {
    url: host.url,
    bucket: ctx.config.bucketDir,
    stop: async () => {
      await host.close();
      data.cleanup();
    },
  };
  await warmUp(h);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  await ingest(h, pdfFiles());
  delay.disable();
  await h.stop();
  return [delay.percentile(95), delay.percentile(99), delay.max].map((ns) => ns / 1e6);
}

const loopDelay = new Map<string, number[][]>();
for (let r = 0; r < ROUNDS; r++) {
  for (const w of r % 2 ? [POOL, "0"] : ["0", POOL]) {
    const d = await loopDelayWhileIngesting(w);
    push(loopDelay, w, d);
    console.log(
      `  round ${r + 1}, RAGLINE_WORKERS=${w === POOL ? "unset (pool)" : w}: host event-loop delay while ingesting p95 ${d[0].toFixed(0)} ms, p99 ${d[1].toFixed(0)} ms, max ${d[2].toFixed(0)} ms`,
    );
  }
}

const p95 = (xs: Samples[], k: "post" | "ws") =>
  percentile(
    xs.flatMap((x) => x[k]),
    95,
  );
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const row = (label: string, m: Map<string, Samples[]>, w: string) =>
  `  ${label.padEnd(34)} POST /queries p95 ${p95(m.get(w)!, "post").toFixed(0).padStart(5)} ms   WebSocket open p95 ${p95(m.get(w)!, "ws").toFixed(0).padStart(5)} ms   (${m.get(w)!.reduce((n, x) => n + x.post.length, 0)} queries${m.get(w)!.some((x) => x.unfinished) ? `, ${m.get(w)!.reduce((n, x) => n + x.unfinished, 0)} never ended` : ""})`;
console.log("responsiveness (all rounds pooled):");
for (const w of ["0", POOL]) {
  const name = w === POOL ? "pool" : "RAGLINE_WORKERS=0";
  console.log(row(`${name}, idle`, results.idle, w));
  console.log(row(`${name}, during ingestion`, results.ingesting, w));
}
const ratio = (k: "post" | "ws") => (p95(results.ingesting.get("0")!, k) / p95(results.ingesting.get(POOL)!, k)).toFixed(2);
console.log(
  `  during ingestion, RAGLINE_WORKERS=0 / pool: POST p95 ${ratio("post")}x, WebSocket open p95 ${ratio("ws")}x (target: POST p95 <= 100 ms with the pool)`,
);
console.log("ingestion alone (median docs/s):");
for (const w of ["0", "1", "2"])
  console.log(
    `  RAGLINE_WORKERS=${w}: ${median(results.docsPerSecond.get(w)!).toFixed(2)} docs/s (${results.docsPerSecond
      .get(w)!
      .map((v) => v.toFixed(2))
      .join(", ")})`,
  );
console.log(
  `  2 workers / 1 worker: ${(median(results.docsPerSecond.get("2")!) / median(results.docsPerSecond.get("1")!)).toFixed(2)}x; 2 workers / in-process: ${(median(results.docsPerSecond.get("2")!) / median(results.docsPerSecond.get("0")!)).toFixed(2)}x`,
);
console.log("request thread, event-loop delay while ingesting (median of rounds):");
const at = (w: string, i: number) => median(loopDelay.get(w)!.map((d) => d[i]));
for (const w of ["0", POOL])
  console.log(`  ${w === POOL ? "pool" : "RAGLINE_WORKERS=0"}: p95 ${at(w, 0).toFixed(0)} ms, p99 ${at(w, 1).toFixed(0)} ms, max ${at(w, 2).toFixed(0)} ms`);
console.log(`  RAGLINE_WORKERS=0 / pool: p95 ${(at("0", 0) / at(POOL, 0)).toFixed(1)}x, p99 ${(at("0", 1) / at(POOL, 1)).toFixed(1)}x`);
