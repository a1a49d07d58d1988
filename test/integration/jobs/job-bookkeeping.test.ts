import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteJobStore } from "../../../shared/adapters/embedded/sqlite-job-store";
import { TransientError } from "../../../shared/domain/errors";
import { cancelJob } from "../../../shared/jobs/cancel";
import type { GenerateRequest, Generator } from "../../../shared/ports/models";
import { runQueryJob } from "../../../shared/query/run-job";
import { submitQuery } from "../../../shared/query/submit";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { tempDir } from "../../helpers/tmp";

// A query job's bookkeeping on the embedded default (real SQLite job store and index): checkpoints
// keep chunk ids and scores, a resumed job reads the chunks back and gives the generator exactly what
// the interrupted attempt gave it, a finished job keeps only its small records, and files of the
// previous layout open with their jobs intact.

const DOCS: Record<string, string[]> = {
  "glaciers.txt": ["Glaciers carve U-shaped valleys during ice ages.", "Moraines mark where a glacier stopped.", "Ice sheets cover Greenland and Antarctica."],
  "reefs.txt": [
    "Coral reefs bleach when ocean temperatures rise.",
    "Bleached corals can recover if waters cool.",
    "Reefs shelter a quarter of marine species.",
  ],
  "volcanoes.txt": ["Volcanic eruptions release sulfur dioxide.", "Sulfate aerosols cool the climate for a year or two.", "Lava domes grow inside craters."],
  "rates.txt": ["Interest rates influence inflation.", "Central banks raise rates to cool prices.", "Lower rates make borrowing cheaper."],
  "rome.txt": ["The Roman aqueducts carried water.", "Aqueducts used gravity over long distances.", "Some aqueducts still stand in Spain."],
  "vaccines.txt": ["Vaccines train the immune system.", "Antibodies recognise the pathogen later.", "Boosters renew fading protection."],
  "networks.txt": ["Neural networks learn by gradient descent.", "Backpropagation computes the gradients.", "Learning rates set the step size."],
  "plants.txt": ["Photosynthesis happens in chloroplasts.", "Chlorophyll absorbs red and blue light.", "Plants release oxygen as a by-product."],
};

describe("query job bookkeeping (real SQLite job store and index)", () => {
  let t: ReturnType<typeof tempDir>;
  let ctx: ReturnType<typeof createEmbeddedContext>;
  let searches: number;

  beforeEach(async () => {
    t = tempDir();
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
    await ctx.index.switchServingModel(ctx.embedder.model);
    for (const [key, texts] of Object.entries(DOCS)) {
      const vectors = await ctx.embedder.embed(texts, "document");
      await ctx.index.stage(
        texts.map((text, i) => ({
          id: `${key}-${i}`,
          documentKey: key,
          version: "v1",
          ordinal: i,
          text,
          sectionPath: [],
          kind: "text" as const,
          metadata: {},
          vector: vectors[i],
          embeddingModel: ctx.embedder.model,
        })),
      );
      await ctx.index.activate(key, "v1");
    }
    searches = 0;
    const search = ctx.index.search.bind(ctx.index);
    ctx.index.search = (req) => {
      searches++;
      return search(req);
    };
  });
  afterEach(async () => {
    await ctx.close();
    t.cleanup();
  });

  /** Records what each attempt's generation was given; fails the first `failures` attempts. */
  const recording = (failures: number) => {
    const given: GenerateRequest["sources"][] = [];
    const generator: Generator = {
      model: "recording",
      backend: "test",
      async *generate(req) {
        given.push(req.sources);
        if (failures-- > 0) throw new TransientError("model host went away");
        yield "Glaciers carve U-shaped valleys [1].";
      },
    };
    return { generator, given };
  };

  it("checkpoints keep chunk ids and scores, not texts; the resumed attempt gives the generator exactly the sources of the first", async () => {
    const { generator, given } = recording(1);
    ctx.generator = generator;
    const job = await submitQuery(ctx, { question: "How do glaciers carve valleys during ice ages?" });
    await expect(runQueryJob(ctx, job.id, { maxAttempts: 3 })).rejects.toThrow(/went away/);

    const cp = (await ctx.jobs.get(job.id))!.checkpoints as Record<string, { chunks?: Record<string, unknown>[]; sources?: Record<string, unknown>[] }>;
    expect(cp.retrieve.chunks!.length).toBeGreaterThan(0);
    for (const stage of ["retrieve", "rerank"])
      for (const c of cp[stage].chunks!) {
        expect(Object.keys(c).sort()).toEqual(expect.arrayContaining(["documentKey", "id", "score"]));
        expect(c).not.toHaveProperty("text");
      }
    expect(cp.assemble.sources!.every((s) => !("text" in s))).toBe(true);
    expect(JSON.stringify(cp).includes("U-shaped")).toBe(false);

    expect(await runQueryJob(ctx, job.id, { maxAttempts: 3 })).toBe("completed");
    expect(searches).toBe(1); // retrieval was not run again
    expect(given).toHaveLength(2);
    expect(given[1]).toEqual(given[0]);
    expect(given[0].some((s) => s.text.includes("U-shaped"))).toBe(true);
    expect((await ctx.jobs.get(job.id))?.result?.citations.map((c) => c.documentKey)).toContain("glaciers.txt");
  });

  it("when a checkpointed chunk is gone before the retry, retrieval runs again instead of resuming with a hole", async () => {
    const { generator, given } = recording(1);
    ctx.generator = generator;
    const job = await submitQuery(ctx, { question: "How do glaciers carve valleys during ice ages?" });
    await expect(runQueryJob(ctx, job.id, { maxAttempts: 3 })).rejects.toThrow(/went away/);
    expect(given[0].some((s) => s.documentKey === "glaciers.txt")).toBe(true);
    await ctx.index.removeDocument("glaciers.txt");

    expect(await runQueryJob(ctx, job.id, { maxAttempts: 3 })).toBe("completed");
    expect(searches).toBe(2);
    // Nothing of the removed document reaches the generation (here the job abstains without one).
    expect(
      given
        .slice(1)
        .flat()
        .some((s) => s.documentKey === "glaciers.txt"),
    ).toBe(false);
    const result = (await ctx.jobs.get(job.id))?.result;
    expect(result?.citations.some((c) => c.documentKey === "glaciers.txt")).toBe(false);
  });

  it("a finished job keeps its small records only; a stage output written after its end is not kept", async () => {
    ctx.generator = recording(0).generator;
    const done = await submitQuery(ctx, { question: "How do glaciers carve valleys during ice ages?" });
    expect(await runQueryJob(ctx, done.id)).toBe("completed");
    expect(Object.keys((await ctx.jobs.get(done.id))!.checkpoints).sort()).toEqual(["timings"]);

    const cancelled = await submitQuery(ctx, { question: "What do reefs do when waters warm?" });
    await ctx.jobs.transition(cancelled.id, ["pending"], "working");
    await cancelJob(ctx, cancelled.id);
    const late = await ctx.jobs.commitStage(cancelled.id, { retrieve: { chunks: [] }, timings: { retrieve: 3 } }, [
      { type: "stage", data: { stage: "retrieve", status: "finished" } },
    ]);
    expect(late).toEqual([]); // the log closed at "cancelled"
    expect((await ctx.jobs.get(cancelled.id))!.checkpoints).toEqual({ timings: { retrieve: 3 } });
    expect((await ctx.jobs.events(cancelled.id, 0)).map((e) => e.type)).toEqual(["cancelled"]);
  });

  it("a stage's end is one write: checkpoint, timings and its events, with gap-free seqs after earlier appends", async () => {
    const job = await submitQuery(ctx, { question: "q" });
    await ctx.jobs.appendEvent(job.id, "stage", { stage: "retrieve", status: "started" });
    const logged = await ctx.jobs.commitStage(job.id, { retrieve: { chunks: [{ id: "a", documentKey: "d", score: 1 }] }, timings: { retrieve: 5 } }, [
      { type: "retrieved", data: { chunks: [] } },
      { type: "stage", data: { stage: "retrieve", status: "finished" } },
      { type: "stage", data: { stage: "rerank", status: "started" } },
    ]);
    expect(logged.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect((await ctx.jobs.events(job.id, 1)).map((e) => e.type)).toEqual(["retrieved", "stage", "stage"]);
    expect((await ctx.jobs.get(job.id))!.checkpoints).toEqual({ retrieve: { chunks: [{ id: "a", documentKey: "d", score: 1 }] }, timings: { retrieve: 5 } });
  });
});

describe("SqliteJobStore on a file of the previous layout", () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  it("keeps its jobs, event logs and checkpoints, and continues each log's sequence", async () => {
    const path = join(t.dir, "jobs.db");
    const old = new Database(path);
    old.pragma("journal_mode = WAL");
    old.exec(`
      CREATE TABLE jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, request TEXT NOT NULL, result TEXT, error TEXT,
        checkpoints TEXT NOT NULL DEFAULT '{}', attempts INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, slots TEXT);
      CREATE TABLE job_events (job_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
      CREATE TABLE admission_slots (key TEXT PRIMARY KEY, held INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX jobs_holding_slots ON jobs(status) WHERE slots IS NOT NULL;`);
    const now = new Date().toISOString();
    const insert = old.prepare("INSERT INTO jobs (id, status, request, checkpoints, attempts, created_at, updated_at, slots) VALUES (?, ?, ?, ?, 1, ?, ?, ?)");
    insert.run(
      "running",
      "working",
      JSON.stringify({ question: "q1" }),
      JSON.stringify({ retrieve: { chunks: [{ id: "c" }] }, timings: { retrieve: 4 } }),
      now,
      now,
      JSON.stringify(["caller:x"]),
    );
    insert.run("ended", "completed", JSON.stringify({ question: "q2" }), "{}", now, now, JSON.stringify(["caller:x"])); // killed before its slots were released
    old.prepare("INSERT INTO admission_slots (key, held) VALUES ('caller:x', 2)").run();
    const event = old.prepare("INSERT INTO job_events (job_id, seq, type, data, at) VALUES (?, ?, ?, ?, ?)");
    event.run("running", 1, "stage", JSON.stringify({ stage: "retrieve", status: "started" }), now);
    event.run("running", 2, "stage", JSON.stringify({ stage: "retrieve", status: "finished" }), now);
    event.run("ended", 1, "done", JSON.stringify({ answer: "a" }), now);
    old.close();

    const jobs = new SqliteJobStore(path);
    try {
      expect((await jobs.get("running"))?.checkpoints).toEqual({ retrieve: { chunks: [{ id: "c" }] }, timings: { retrieve: 4 } });
      expect((await jobs.events("running", 0)).map((e) => `${e.seq}:${e.data.status}`)).toEqual(["1:started", "2:finished"]);
      expect((await jobs.events("ended", 0)).map((e) => e.type)).toEqual(["done"]);
      expect(await jobs.slotsHeld("caller:x")).toBe(1); // the ended job's slot came back
      expect((await jobs.appendEvent("running", "stage", { stage: "rerank", status: "started" }))?.seq).toBe(3);
      const fresh = await jobs.create("fresh", { question: "q3" });
      expect((await jobs.appendEvent(fresh.id, "stage", {}))?.seq).toBe(1);
      await jobs.transition("running", ["working"], "completed");
      expect((await jobs.get("running"))?.checkpoints).toEqual({ timings: { retrieve: 4 } });
    } finally {
      jobs.close();
    }
  });
});
