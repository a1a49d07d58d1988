import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobEvent } from "../../shared/domain/job";
import { answerFromEvents } from "../../shared/jobs/answer-log";
import { topology } from "../../shared/topology";
import { api, startHostProcess, type HostProcess } from "../helpers/host-process";
import { StandInInferenceHost } from "../helpers/inference-server";
import { tempDir, waitFor } from "../helpers/tmp";

// Real processes: the host (`ragline dev`) is killed with SIGKILL while query jobs stream answers
// from a STAND-IN OpenAI-compatible host (slow stream, so the kill lands mid-generation). The query
// queue's visibility timeout is 330 s: a job that resumes within seconds was released by the new
// instance (or the surviving replica), not by the timeout.

const VISIBILITY_S = (topology.functions["query-run"].trigger as { visibilityTimeoutSeconds: number }).visibilityTimeoutSeconds;
const DOCS: Record<string, string> = {
  "glaciers.txt":
    "Glaciers carve deep U-shaped valleys as the moving ice grinds the bedrock beneath it during long ice ages. Meltwater from retreating glaciers leaves moraines and lakes behind.",
  "reefs.txt":
    "Coral reefs bleach when ocean temperatures stay above the summer maximum for several weeks in a row. Bleached corals expel the algae that feed them and often starve.",
  "volcanoes.txt":
    "Volcanic eruptions release sulfur dioxide that forms aerosols in the stratosphere and cools the climate for a year or two. Ash clouds ground aircraft across whole continents.",
  "rates.txt":
    "Central banks raise interest rates to slow inflation by making credit more expensive for households and firms. Higher rates also strengthen the currency against its peers.",
  "aqueducts.txt":
    "The Roman aqueducts carried water across valleys on arches by a gentle and constant downhill gradient. Some of them still supply fountains in Rome today.",
  "vaccines.txt":
    "Vaccines train the immune system to recognise a pathogen by presenting a harmless piece of it to memory cells. Booster doses refresh that memory when it fades.",
  "networks.txt":
    "Neural networks learn by gradient descent, adjusting their weights a little against the gradient of the loss at every step. Large learning rates make training unstable.",
  "photosynthesis.txt":
    "Photosynthesis happens in chloroplasts, where chlorophyll captures light to split water and fix carbon dioxide into sugar. Oxygen is released as a by-product.",
};
const QUESTIONS = [
  "How do glaciers carve valleys?",
  "Why do coral reefs bleach?",
  "What do volcanic eruptions release?",
  "Why do central banks raise interest rates?",
  "How did the Roman aqueducts carry water?",
  "How do vaccines train the immune system?",
  "How do neural networks learn?",
  "Where does photosynthesis happen?",
];

const events = async (url: string, id: string) => (await api(url, "GET", `/queries/${id}/events?after=0`)).body.events as JobEvent[];
const lostNotes = (evs: JobEvent[]) => evs.filter((e) => e.type === "stage" && e.data.stage === "waiting" && e.data.cause === "worker-lost");
const generating = async (url: string, id: string) => (await events(url, id)).some((e) => e.type === "delta");

describe("a host killed with SIGKILL: interrupted query jobs resume within seconds and say why they wait", () => {
  let llm: StandInInferenceHost;
  beforeAll(async () => {
    llm = await StandInInferenceHost.start();
    llm.streamEventDelayMs = 120; // ~4 s per answer: the kill lands mid-stream
  });
  afterAll(async () => {
    await llm?.stop();
  });
  const env = () => ({
    RAGLINE_GENERATOR: "openai",
    RAGLINE_LLM_URL: llm.url,
    RAGLINE_LLM_MODEL: "stand-in-chat",
    RAGLINE_QUERY_TRANSFORM: "off",
    RAGLINE_HEARTBEAT_MS: "500",
  });

  async function indexDocs(dir: string, url: string) {
    for (const [name, text] of Object.entries(DOCS)) writeFileSync(join(dir, "bucket", name), text);
    await waitFor(async () => (await api(url, "GET", "/documents")).body.counts.indexed === Object.keys(DOCS).length, "documents indexed", 60_000, 200);
  }

  async function submit(url: string): Promise<string[]> {
    const ids: string[] = [];
    for (const q of QUESTIONS) {
      const r = await api(url, "POST", "/queries", { question: q });
      expect(r.status).toBe(202);
      ids.push(r.body.jobId);
    }
    return ids;
  }

  async function expectCompletedOnce(url: string, ids: string[]) {
    for (const id of ids) {
      const job = (await api(url, "GET", `/queries/${id}`)).body;
      const evs = await events(url, id);
      expect(job.status).toBe("completed");
      expect(job.waiting).toBeUndefined();
      expect(evs.map((e) => e.seq)).toEqual(evs.map((_, i) => i + 1));
      expect(evs.filter((e) => e.type === "done")).toHaveLength(1);
      expect(answerFromEvents(evs)).toBe(job.answer);
    }
  }

  it("restart on the same data dir: every interrupted job completes well within the visibility timeout, its log naming the lost worker", async () => {
    const t = tempDir();
    let host: HostProcess | undefined;
    try {
      host = await startHostProcess(t.dir, env());
      await indexDocs(t.dir, host.url);
      const ids = await submit(host.url);
      // Kill while the first batch of jobs (the query workers' concurrency) streams its answers.
      const interrupted = await waitFor(
        async () => {
          const busy = [];
          for (const id of ids) if (await generating(host!.url, id)) busy.push(id);
          return busy.length >= 2 ? busy : undefined;
        },
        "jobs generating",
        60_000,
        50,
      );
      await host.stop("SIGKILL");
      const killedAt = Date.now();

      host = await startHostProcess(t.dir, env());
      const restartedAt = Date.now();
      // While they wait (the released jobs queue behind those never started), GET names the reason.
      const seenWaiting = new Map<string, string>();
      await waitFor(
        async () => {
          let done = 0;
          for (const id of ids) {
            const job = (await api(host!.url, "GET", `/queries/${id}`)).body;
            if (job.waiting?.reason) seenWaiting.set(id, job.waiting.reason);
            if (job.status === "completed") done++;
          }
          return done === ids.length;
        },
        "all jobs completed after the restart",
        60_000,
        100,
      );
      const resumedInMs = Date.now() - restartedAt;
      console.log(
        `[lost-worker] ${interrupted.length} jobs interrupted; all ${ids.length} completed ${resumedInMs} ms after the restart (visibility timeout ${VISIBILITY_S} s); GET showed the waiting reason for ${seenWaiting.size}`,
      );
      expect(resumedInMs).toBeLessThan(60_000);
      expect(resumedInMs).toBeLessThan((VISIBILITY_S * 1000) / 5);

      await expectCompletedOnce(host.url, ids);
      for (const id of interrupted) {
        const [note, ...more] = lostNotes(await events(host.url, id));
        expect(more).toHaveLength(0);
        expect(note.data.reason).toMatch(/^waiting to resume: worker lost at \S+, attempt 1 of 3, next attempt by \S+$/);
        expect(Date.parse(note.data.lostAt as string)).toBeLessThanOrEqual(killedAt);
        // The next attempt ran after the note: the log tells the story in order.
        const evs = await events(host.url, id);
        expect(evs.findIndex((e) => e.type === "stage" && e.data.status === "started" && e.data.attempt === 2)).toBeGreaterThan(
          evs.indexOf(evs.find((e) => e.seq === note.seq)!),
        );
      }
      expect(seenWaiting.size).toBeGreaterThan(0);
      for (const reason of seenWaiting.values()) expect(reason).toMatch(/worker lost at/);
    } finally {
      await host?.stop("SIGKILL");
      t.cleanup();
    }
  }, 240_000);

  it("two replicas on one data dir: the killed one's jobs move to the live one within the heartbeat period; the live one's are never taken", async () => {
    const t = tempDir();
    let a: HostProcess | undefined;
    let b: HostProcess | undefined;
    try {
      a = await startHostProcess(t.dir, env());
      b = await startHostProcess(t.dir, env());
      await indexDocs(t.dir, a.url);
      const ids = await submit(a.url);
      // Who holds which job, read from the queue's own lease records.
      const queueDb = new Database(join(t.dir, "state", "queue.db"), { readonly: true });
      const holders = () =>
        queueDb
          .prepare(`SELECT json_extract(m.body, '$.jobId') AS jobId, i.pid FROM messages m JOIN instances i ON i.id = m.owner WHERE m.queue = 'query-jobs'`)
          .all() as { jobId: string; pid: number }[];
      const held = await waitFor(
        async () => {
          const h = holders();
          const onA = h.filter((x) => x.pid === a!.proc.pid).map((x) => x.jobId);
          const onB = h.filter((x) => x.pid === b!.proc.pid).map((x) => x.jobId);
          if (!onA.length || !onB.length || !(await generating(b!.url, onA[0]))) return undefined;
          return { onA, onB };
        },
        "both replicas running jobs",
        60_000,
        50,
      );
      queueDb.close();

      await a.stop("SIGKILL");
      const killedAt = Date.now();
      // (One that finished between the look and the kill needs no release.)
      const cut: string[] = [];
      for (const id of held.onA) if ((await api(b.url, "GET", `/queries/${id}`)).body.status !== "completed") cut.push(id);
      expect(cut.length).toBeGreaterThan(0);
      await waitFor(
        async () => {
          for (const id of cut) if (!lostNotes(await events(b!.url, id)).length) return false;
          return true;
        },
        "the killed replica's jobs released",
        20_000,
        50,
      );
      const releasedInMs = Date.now() - killedAt;
      console.log(`[lost-worker] replica killed holding ${cut.length} unfinished jobs; released to the live one in ${releasedInMs} ms (heartbeat 500 ms)`);
      expect(releasedInMs).toBeLessThan(5_000);

      await waitFor(
        async () => {
          for (const id of ids) if ((await api(b!.url, "GET", `/queries/${id}`)).body.status !== "completed") return false;
          return true;
        },
        "all jobs completed on the live replica",
        90_000,
        200,
      );
      await expectCompletedOnce(b.url, ids);
      // The live replica's jobs ran once, never released: no lost note, no second attempt.
      for (const id of held.onB) {
        const evs = await events(b.url, id);
        expect(lostNotes(evs)).toHaveLength(0);
        expect(evs.filter((e) => e.type === "stage" && e.data.status === "started").every((e) => e.data.attempt === 1)).toBe(true);
      }
    } finally {
      await a?.stop("SIGKILL");
      await b?.stop("SIGKILL");
      t.cleanup();
    }
  }, 240_000);
});
