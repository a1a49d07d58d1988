import type { Citation } from "../../shared/domain/job";
import { sha256 } from "../../shared/util/hash";
import type { EvalDataset, EvalQuestion } from "../datasets/types";
import { RetryLater, type DocumentState, type JobView, type PipelineClient } from "./client";
import { mapPool, sleep } from "./pool";
import { silentProgress, type Progress } from "./progress";

// Ingests a dataset's documents into a namespace (a key prefix) through the system's real ingestion
// path, waits until each is indexed (or failed), then runs every question as a query job and
// collects what a user would get: the answer, its citations, the retrieval ranking from the job's
// event log, and the per-stage timings. Bounded concurrency throughout; progress on stderr.

export interface RunInput {
  client: PipelineClient;
  dataset: EvalDataset;
  questions: readonly EvalQuestion[];
  documentIds: readonly string[];
  /** Key prefix of this run's documents, e.g. "evals/scifact/". */
  namespace: string;
  /** Jobs in flight at once (default 4, the embedded host's query workers). */
  concurrency?: number;
  uploadConcurrency?: number;
  questionTimeoutMs?: number;
  ingestTimeoutMs?: number;
  /** The documents are already in the system (an audit of user questions on a live deployment): no upload, no namespace filter. */
  skipIngest?: boolean;
  progress?: Progress;
}

export interface IngestOutcome {
  documents: number;
  uploaded: number;
  unchanged: number;
  indexed: number;
  duplicates: number;
  failed: { id: string; error: string }[];
  seconds: number;
}

export type AnswerStatus = "completed" | "failed" | "cancelled" | "timeout" | "error";

export interface RawAnswer {
  questionId: string;
  jobId?: string;
  status: AnswerStatus;
  error?: string;
  answer: string;
  abstained: boolean;
  citations: Citation[];
  backends: Record<string, string>;
  /** Per stage (ms), as the job recorded them. */
  timings: Record<string, number>;
  /** Document keys of the retrieved chunks, in rank order (from the job's `retrieved` event). */
  retrievedKeys: string[];
  /** Pages of the retrieved chunks, in rank order (PDFs; absent where the format has none). */
  retrievedPages?: { documentKey: string; page?: number; pageEnd?: number }[];
  /** Job created → completed (server clock). */
  endToEndMs?: number;
  /** Job created → its first stage started: time waiting in the queue. */
  queueMs?: number;
  /** Submit → result seen by this client. */
  observedMs: number;
  unsupportedSentences?: string[];
}

export interface RunOutput {
  ingest: IngestOutcome;
  answers: RawAnswer[];
  /** Bucket key → dataset document ids (a key stands for its duplicates too). */
  keyToIds: Map<string, string[]>;
  keyOf: (docId: string) => string | undefined;
}

const SETTLED = new Set(["indexed", "failed", "duplicate"]);

export async function runDataset(input: RunInput): Promise<RunOutput> {
  const progress = input.progress ?? silentProgress;
  const ns = input.namespace.endsWith("/") ? input.namespace : `${input.namespace}/`;
  const keyOfId = new Map<string, string>();
  for (const id of input.documentIds) {
    const doc = input.dataset.document(id);
    if (doc) keyOfId.set(id, ns + doc.fileName);
  }
  const ingest = input.skipIngest
    ? { documents: 0, uploaded: 0, unchanged: 0, indexed: 0, duplicates: 0, failed: [], seconds: 0 }
    : await ingestDocuments(input, ns, keyOfId, progress);

  const keyToIds = new Map<string, string[]>();
  const addKey = (key: string, id: string) => keyToIds.set(key, [...(keyToIds.get(key) ?? []), id]);
  for (const [id, key] of keyOfId) addKey(key, id);
  for (const s of input.skipIngest ? [] : await input.client.listDocuments(ns)) {
    const id = keyToIds.get(s.key)?.[0];
    if (s.status === "duplicate" && s.duplicateOf && id) addKey(s.duplicateOf, id); // retrieval returns the twin
  }

  progress.start("ask", input.questions.length);
  const answers = await mapPool(input.questions, input.concurrency ?? 4, async (q) => {
    const a = await ask(input, q, ns, keyOfId);
    progress.tick(1, a.status === "completed" ? undefined : `${q.id}: ${a.status}`);
    return a;
  });
  const failed = answers.filter((a) => a.status !== "completed").length;
  progress.done(failed ? `${failed} not completed` : "all completed");
  return { ingest, answers, keyToIds, keyOf: (id) => keyOfId.get(id) };
}

async function ingestDocuments(input: RunInput, ns: string, keyOfId: Map<string, string>, progress: Progress): Promise<IngestOutcome> {
  const t0 = performance.now();
  const existing = new Map((await input.client.listDocuments(ns)).map((s) => [s.key, s]));
  const expected = new Map<string, string>(); // key → content hash
  let uploaded = 0;
  progress.start("upload", keyOfId.size);
  await mapPool([...keyOfId], input.uploadConcurrency ?? 8, async ([id, key]) => {
    const doc = input.dataset.document(id)!;
    const body = await doc.read();
    const hash = sha256(body);
    expected.set(key, hash);
    const prev = existing.get(key);
    // The same bytes already indexed: the content hash makes re-ingestion a no-op anyway; skip the upload.
    if (!(prev && prev.contentHash === hash && SETTLED.has(prev.status))) {
      await input.client.putDocument(key, body, doc.contentType);
      uploaded++;
    }
    progress.tick();
  });
  progress.done(`${uploaded} uploaded, ${keyOfId.size - uploaded} unchanged`);

  progress.start("ingest", expected.size);
  const deadline = Date.now() + (input.ingestTimeoutMs ?? 15 * 60_000);
  let states = new Map<string, DocumentState>();
  let settled = 0;
  for (;;) {
    states = new Map((await input.client.listDocuments(ns)).map((s) => [s.key, s]));
    const now = [...expected].filter(([key, hash]) => {
      const s = states.get(key);
      return s && s.contentHash === hash && SETTLED.has(s.status);
    }).length;
    if (now > settled) progress.tick(now - settled);
    settled = now;
    if (settled >= expected.size) break;
    if (Date.now() > deadline)
      throw new Error(`ingestion did not finish: ${settled} of ${expected.size} documents settled after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    await sleep(expected.size > 500 ? 1000 : 250);
  }
  const idOfKey = new Map([...keyOfId].map(([id, key]) => [key, id]));
  const mine = [...expected.keys()].map((k) => states.get(k)!);
  const failed = mine.filter((s) => s.status === "failed").map((s) => ({ id: idOfKey.get(s.key)!, error: s.error ?? "failed" }));
  const outcome = {
    documents: expected.size,
    uploaded,
    unchanged: expected.size - uploaded,
    indexed: mine.filter((s) => s.status === "indexed").length,
    duplicates: mine.filter((s) => s.status === "duplicate").length,
    failed,
    seconds: (performance.now() - t0) / 1000,
  };
  progress.done(`${outcome.indexed} indexed, ${failed.length} failed, ${outcome.duplicates} duplicates in ${outcome.seconds.toFixed(1)} s`);
  return outcome;
}

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

async function ask(input: RunInput, q: EvalQuestion, ns: string, keyOfId: Map<string, string>): Promise<RawAnswer> {
  const empty = { questionId: q.id, answer: "", abstained: false, citations: [], backends: {}, timings: {}, retrievedKeys: [], observedMs: 0 };
  // No documents of its own (real user questions on a live system): search everything the caller may read.
  let keyPrefix: string | undefined = input.skipIngest ? undefined : ns;
  if (input.dataset.profile.scope === "document" && !input.skipIngest) {
    const key = q.relevantDocIds.map((id) => keyOfId.get(id)).find(Boolean);
    if (!key) return { ...empty, status: "error", error: "its gold document is not in this run" };
    keyPrefix = key;
  }
  const t0 = performance.now();
  let jobId: string | undefined;
  try {
    for (let tries = 0; ; tries++) {
      try {
        jobId = await input.client.submit({ question: q.question, filters: keyPrefix ? { keyPrefix } : undefined });
        break;
      } catch (err) {
        if (!(err instanceof RetryLater) || tries >= 20) throw err;
        await sleep(err.afterMs);
      }
    }
    const deadline = Date.now() + (input.questionTimeoutMs ?? 120_000);
    let job: JobView | undefined;
    for (let wait = 20; ; wait = Math.min(250, wait * 1.5)) {
      job = await input.client.job(jobId);
      if (job && TERMINAL.has(job.status)) break;
      if (Date.now() > deadline) {
        await input.client.cancel(jobId);
        return { ...empty, jobId, status: "timeout", error: `no result within ${input.questionTimeoutMs ?? 120_000} ms`, observedMs: performance.now() - t0 };
      }
      await sleep(wait);
    }
    const observedMs = performance.now() - t0;
    const events = await input.client.events(jobId);
    const retrieved = events.find((e) => e.type === "retrieved")?.data.chunks as { documentKey: string; page?: number; pageEnd?: number }[] | undefined;
    const firstStage = events.find((e) => e.type === "stage");
    const created = Date.parse(job.createdAt);
    return {
      questionId: q.id,
      jobId,
      status: job.status as AnswerStatus,
      error: job.error,
      answer: job.answer ?? "",
      abstained: Boolean(job.abstained),
      citations: job.citations ?? [],
      backends: job.backends ?? {},
      timings: job.timings ?? {},
      unsupportedSentences: job.unsupportedSentences,
      retrievedKeys: (retrieved ?? []).map((c) => c.documentKey),
      retrievedPages: (retrieved ?? []).map((c) => ({ documentKey: c.documentKey, page: c.page, pageEnd: c.pageEnd })),
      endToEndMs: job.status === "completed" ? Date.parse(job.updatedAt) - created : undefined,
      queueMs: firstStage ? Date.parse(firstStage.at) - created : undefined,
      observedMs,
    };
  } catch (err) {
    return { ...empty, jobId, status: "error", error: err instanceof Error ? err.message : String(err), observedMs: performance.now() - t0 };
  }
}
