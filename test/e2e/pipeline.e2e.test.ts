import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corpusRows, DATASETS, hasDatasets } from "../helpers/datasets";
import { api, followJob, startHostProcess, type HostProcess } from "../helpers/host-process";
import { tempDir, waitFor } from "../helpers/tmp";

const SCIFACT_IDS = ["13734012", "5152028", "11705328", "4709641", "18174210", "5956380", "4414547", "31715818", "4983"];

describe.skipIf(!hasDatasets)("end to end on the embedded default (host as a child process, real documents)", () => {
  let t: ReturnType<typeof tempDir>;
  let host: HostProcess;
  const bucket = () => join(t.dir, "bucket");

  beforeAll(async () => {
    t = tempDir();
    host = await startHostProcess(t.dir);
    // Drop real documents into the bucket folder: a 10-Q PDF and scientific abstracts.
    copyFileSync(join(DATASETS, "docugami_sec10q/docs/2022_Q3_AAPL.pdf"), join(bucket(), "2022_Q3_AAPL.pdf"));
    for (const r of corpusRows("scifact", SCIFACT_IDS)) writeFileSync(join(bucket(), `scifact-${r.id}.txt`), `${r.title}\n\n${r.text}`);
    await waitFor(
      async () => {
        const { body } = await api(host.url, "GET", "/documents");
        return body.counts.indexed === SCIFACT_IDS.length + 1;
      },
      "all documents indexed",
      60_000,
      250,
    );
  }, 90_000);

  afterAll(async () => {
    await host?.stop();
    t?.cleanup();
  });

  it("indexes every dropped document and shows its chunks with pages", async () => {
    const doc = await api(host.url, "GET", "/documents/2022_Q3_AAPL.pdf");
    expect(doc.status).toBe(200);
    expect(doc.body.status).toBe("indexed");
    expect(doc.body.chunks).toBeGreaterThan(10);
    const chunks = await api(host.url, "GET", "/documents/2022_Q3_AAPL.pdf/chunks");
    expect(chunks.body.chunks).toHaveLength(doc.body.chunks);
    expect(chunks.body.chunks.every((c: { page?: number }) => typeof c.page === "number")).toBe(true);
  });

  it("answers a question as a job followed over a WebSocket, citing the document that holds the answer", async () => {
    const submit = await api(host.url, "POST", "/queries", { question: "What were Apple's total net sales for the three months ended June 25, 2022?" });
    expect(submit.status).toBe(202);
    expect(submit.body.links.self).toBe(`/queries/${submit.body.jobId}`);
    const frames = await followJob(host.wsUrl, submit.body.jobId);
    // In order, from 1, without gaps.
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1));
    expect(frames.at(-1)!.type).toBe("done");
    expect(frames.some((f) => f.type === "retrieved")).toBe(true);
    const retrieved = frames.find((f) => f.type === "retrieved")!.data.chunks as { documentKey: string; score: number }[];
    expect(retrieved[0]).toMatchObject({ documentKey: expect.any(String), score: expect.any(Number) });
    const streamed = frames
      .filter((f) => f.type === "delta")
      .map((f) => f.data.text)
      .join("");

    const job = await api(host.url, "GET", `/queries/${submit.body.jobId}`);
    expect(job.body.status).toBe("completed");
    expect(job.body.answer).toBe(streamed);
    expect(job.body.citations.map((c: { documentKey: string }) => c.documentKey)).toContain("2022_Q3_AAPL.pdf");
    expect(job.body.answer).toMatch(/\[\d+\]/);
    expect(Object.keys(job.body.timings)).toEqual(expect.arrayContaining(["retrieve", "generate"]));
  });

  it("a reconnecting subscriber with afterSeq=k receives exactly the events after k", async () => {
    const submit = await api(host.url, "POST", "/queries", { question: "Which protein is associated with vCJD infection in the UK?" });
    const all = await followJob(host.wsUrl, submit.body.jobId);
    const k = Math.floor(all.length / 2);
    const rest = await followJob(host.wsUrl, submit.body.jobId, k);
    expect(rest.map((f) => f.seq)).toEqual(all.slice(k).map((f) => f.seq));
    expect(rest).toEqual(all.slice(k));
    const log = await api(host.url, "GET", `/queries/${submit.body.jobId}/events?after=${k}`);
    expect(log.body.events.map((e: { seq: number }) => e.seq)).toEqual(all.slice(k).map((f) => f.seq));
  });

  it("says plainly that the sources do not cover an unrelated question", async () => {
    const submit = await api(host.url, "POST", "/queries", { question: "Who won the football world cup in 1954?" });
    const frames = await followJob(host.wsUrl, submit.body.jobId);
    expect(frames.at(-1)!.data.abstained).toBe(true);
    expect(String(frames.at(-1)!.data.answer)).toMatch(/do not contain an answer/);
  });

  it("re-dropping the same bytes does no work; a changed file replaces its old chunks", async () => {
    const key = "scifact-4983.txt";
    const before = await api(host.url, "GET", `/documents/${key}`);
    const chunksBefore = (await api(host.url, "GET", `/documents/${key}/chunks`)).body.chunks;
    copyFileSync(join(bucket(), key), join(t.dir, "copy.txt"));
    copyFileSync(join(t.dir, "copy.txt"), join(bucket(), key)); // same bytes, new mtime
    await new Promise((r) => setTimeout(r, 2000));
    const same = await api(host.url, "GET", `/documents/${key}`);
    expect(same.body.version).toBe(before.body.version);
    expect(same.body.status).toBe("indexed");
    expect((await api(host.url, "GET", `/documents/${key}/chunks`)).body.chunks).toEqual(chunksBefore);

    writeFileSync(join(bucket(), key), "Zebrafish regenerate heart muscle.\n\nThe zebrafish heart regrows after injury through cardiomyocyte proliferation.");
    const after = await waitFor(async () => {
      const r = await api(host.url, "GET", `/documents/${key}`);
      return r.body.status === "indexed" && r.body.version !== before.body.version && r.body;
    }, "the new version indexed");
    const chunks = await api(host.url, "GET", `/documents/${key}/chunks`);
    expect(chunks.body.chunks.every((c: { version: string }) => c.version === after.version)).toBe(true);
    expect(chunks.body.chunks.map((c: { text: string }) => c.text).join(" ")).toMatch(/zebrafish/i);
  });

  it("rejects bad input with clear errors and keeps serving", async () => {
    expect((await api(host.url, "GET", "/no/such/route")).status).toBe(404);
    const bad = await api(host.url, "POST", "/queries", { question: "", topK: 500 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(["body.question", "body.topK"]));
    const notJson = await fetch(host.url + "/queries", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(notJson.status).toBe(400);
    expect((await api(host.url, "GET", "/queries/00000000-0000-0000-0000-000000000000")).status).toBe(404);

    // A corrupt PDF and a binary blob: each document ends failed with a reason.
    writeFileSync(join(bucket(), "broken.pdf"), Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(2000, 7)]));
    await api(host.url, "PUT", "/documents/blob.bin", Buffer.from([0, 1, 2, 3, 0, 255, 254, 0, 9, 0]));
    for (const key of ["broken.pdf", "blob.bin"]) {
      const doc = await waitFor(async () => {
        const r = await api(host.url, "GET", `/documents/${key}`);
        return r.body?.status === "failed" && r.body;
      }, `${key} failed`);
      expect(doc.error).toMatch(/\w+: .+/);
    }
    expect((await api(host.url, "GET", "/health")).status).toBe(200);
  });

  it("deleting a document removes its chunks from retrieval", async () => {
    const key = "scifact-31715818.txt";
    expect((await api(host.url, "DELETE", `/documents/${key}`)).status).toBe(202);
    await waitFor(async () => (await api(host.url, "GET", `/documents/${key}`)).status === 404, "the document gone");
    const submit = await api(host.url, "POST", "/queries", { question: "biomaterials inductive properties", topK: 10 });
    const frames = await followJob(host.wsUrl, submit.body.jobId);
    const keys = (frames.find((f) => f.type === "retrieved")!.data.chunks as { documentKey: string }[]).map((c) => c.documentKey);
    expect(keys).not.toContain(key);
  });
});
