import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobEvent } from "../../shared/domain/job";
import { answerFromEvents } from "../../shared/jobs/answer-log";
import { corpusRows, hasDatasets } from "../helpers/datasets";
import { api, startHostProcess, type HostProcess } from "../helpers/host-process";
import { StandInInferenceHost } from "../helpers/inference-server";
import { tempDir, waitFor } from "../helpers/tmp";

// Real processes: the host runs as a child process and is killed with SIGKILL twice while 50 jobs
// are in flight. Generation goes to a STAND-IN OpenAI-compatible host over HTTP that streams slowly,
// so the kills land mid-stream.

const IDS = ["13734012", "5152028", "11705328", "4709641", "18174210", "5956380", "4414547", "31715818", "4983"];

describe.skipIf(!hasDatasets)("chaos: the worker killed with SIGKILL twice while 50 jobs run", () => {
  const t = tempDir();
  let llm: StandInInferenceHost;
  let host: HostProcess | undefined;
  const env = () => ({ RAGLINE_GENERATOR: "openai", RAGLINE_LLM_URL: llm.url, RAGLINE_LLM_MODEL: "stand-in-chat", RAGLINE_QUERY_TRANSFORM: "off" });

  beforeAll(async () => {
    llm = await StandInInferenceHost.start();
    llm.streamEventDelayMs = 25;
  });
  afterAll(async () => {
    await host?.stop("SIGKILL");
    await llm?.stop();
    t.cleanup();
  });

  it("every job ends completed exactly once, with a gap-free log and no duplicated answer text", async () => {
    host = await startHostProcess(t.dir, env());
    for (const r of corpusRows("scifact", IDS)) writeFileSync(join(t.dir, "bucket", `${r.id}.txt`), `${r.title}\n\n${r.text}`);
    await waitFor(async () => (await api(host!.url, "GET", "/documents")).body.counts.indexed === IDS.length, "documents indexed", 30_000);

    const questions = [
      "vCJD prion protein in the UK",
      "vitamin B12 deficiency and homocysteine",
      "APOE4 neurons tau phosphorylation",
      "PPM1D and p53",
      "white matter diffusion tensor newborn",
    ];
    const jobIds: string[] = [];
    for (let i = 0; i < 50; i++) {
      const r = await api(host.url, "POST", "/queries", { question: questions[i % questions.length] });
      expect(r.status).toBe(202);
      jobIds.push(r.body.jobId);
    }
    const completed = async () => {
      let n = 0;
      for (const id of jobIds) if ((await api(host!.url, "GET", `/queries/${id}`)).body.status === "completed") n++;
      return n;
    };
    for (const threshold of [8, 25]) {
      await waitFor(async () => (await completed()) >= threshold, `${threshold} jobs completed`, 60_000, 100);
      await host.stop("SIGKILL");
      host = await startHostProcess(t.dir, env());
    }
    await waitFor(async () => (await completed()) === 50, "all 50 jobs completed", 120_000, 250);

    for (const id of jobIds) {
      const job = (await api(host.url, "GET", `/queries/${id}`)).body;
      const events = (await api(host.url, "GET", `/queries/${id}/events?after=0`)).body.events as JobEvent[];
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((e) => e.type === "done")).toHaveLength(1);
      expect(events.at(-1)!.type).toBe("done");
      expect(events.some((e) => e.type === "failed")).toBe(false);
      expect(answerFromEvents(events)).toBe(job.answer);
      expect(job.answer.length).toBeGreaterThan(0);
    }
    // The kills did land mid-run: some jobs needed a second attempt.
    const attempts = await Promise.all(
      jobIds.map(
        async (id) =>
          (await api(host!.url, "GET", `/queries/${id}/events?after=0`)).body.events.filter(
            (e: { type: string; data: { attempt?: number } }) => e.type === "stage" && (e.data.attempt ?? 1) > 1,
          ).length,
      ),
    );
    expect(attempts.some((n) => n > 0)).toBe(true);
  }, 240_000);
});
