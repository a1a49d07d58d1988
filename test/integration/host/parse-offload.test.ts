import { afterAll, describe, expect, it } from "vitest";
import { PARSE_HERE_MAX_BYTES, WorkerOffload } from "../../../host/offload";
import { parseAndChunk } from "../../../shared/ingest/parse-and-chunk";
import type { ParseChunkRequest } from "../../../shared/ports/offload";
import { WorkerPool } from "../../../shared/runtime/worker-pool";

// Which documents the host parses on a real worker thread and which on the calling thread: a hop costs
// more than parsing a small text file, so those stay; large files and binary formats go.

const pool = new WorkerPool({ size: 1, tasks: new URL("../../../host/worker-tasks.ts", import.meta.url).href });
const offload = new WorkerOffload(pool);
afterAll(() => pool.close());

const request = (key: string, text: string | Buffer): ParseChunkRequest => ({
  key,
  body: Buffer.from(text),
  version: "v1",
  metadata: { tenant: "acme" },
  limits: { timeoutMs: 30_000, maxPages: 100, maxOcrPages: 0, ocrDpi: 150 },
  chunking: { maxWords: 120, overlapWords: 20 },
});
const sentence = "The committee reviewed the quarterly filing and approved the dividend. ";
const hops = () => pool.stats.completed + pool.stats.failed;

describe("parse on the host: small text here, the rest on a worker thread", () => {
  it("a small text file is parsed on the calling thread, with the same chunks", async () => {
    for (const [key, text] of [
      ["notes.txt", sentence.repeat(20)],
      ["notes.md", `# Minutes\n\n${sentence.repeat(20)}`],
      ["table.csv", "year,revenue\n2022,10\n2023,12\n"],
    ]) {
      const before = hops();
      const here = await offload.parseAndChunk(request(key, text));
      expect(hops(), key).toBe(before);
      expect(here).toEqual(await parseAndChunk(request(key, text)));
    }
  });

  it("a text file past the limit goes to the worker, with the same chunks", async () => {
    const text = sentence.repeat(Math.ceil((PARSE_HERE_MAX_BYTES * 1.5) / sentence.length));
    const before = hops();
    const there = await offload.parseAndChunk(request("long.txt", text));
    expect(hops()).toBe(before + 1);
    expect(there.chunks.length).toBeGreaterThan(10);
    expect(there).toEqual(await parseAndChunk(request("long.txt", text)));
  });

  it("a small PDF goes to the worker whatever its size or name, and fails there with the same reason", async () => {
    const pdf = "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ngarbage garbage\n%%EOF";
    const before = hops();
    const failure = await offload.parseAndChunk(request("looks-like-text.txt", pdf)).catch((e) => e);
    expect(hops()).toBe(before + 1);
    const here = await parseAndChunk(request("looks-like-text.txt", pdf)).catch((e) => e);
    expect(failure).toMatchObject({ name: "DocumentError", code: here.code });
  });
});
