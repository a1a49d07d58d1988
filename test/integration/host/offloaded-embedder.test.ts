import { afterAll, describe, expect, it } from "vitest";
import { EMBED_HERE_MAX_CHARS, OffloadedEmbedder } from "../../../host/offloaded-embedder";
import { HashedNgramEmbedder } from "../../../shared/adapters/local/hashed-ngram-embedder";
import type { Embedder } from "../../../shared/ports/models";
import { WorkerPool } from "../../../shared/runtime/worker-pool";

// The host's tasks module on a real worker thread: the local embedder's large document batches run there.

const pool = new WorkerPool({ size: 1, tasks: new URL("../../../host/worker-tasks.ts", import.meta.url).href });
afterAll(() => pool.close());

describe("local embedder on the host's worker threads", () => {
  const local = new HashedNgramEmbedder(256);
  const texts = ["Revenue grew 12 percent in the quarter.", "The board declared a dividend of 52 cents per share.", ""];

  // Past EMBED_HERE_MAX_CHARS in all: worth the hop.
  const large = [...texts, "Operating margin widened as freight costs eased. ".repeat(Math.ceil(EMBED_HERE_MAX_CHARS / 40))];

  it("large document batches are embedded on a worker thread, with the same vectors as in-process", async () => {
    const offloaded = OffloadedEmbedder.wrap(local, pool)!;
    expect(offloaded).toMatchObject({ model: local.model, dimensions: 256, backend: "local" });
    const vectors = await offloaded.embed(large, "document");
    expect(pool.stats.completed).toBe(1);
    expect(vectors.map((v) => [...v])).toEqual((await local.embed(large)).map((v) => [...v]));
    expect(vectors[0]).toBeInstanceOf(Float32Array);
  });

  it("a small document batch stays on the calling thread (the hop would cost more than the work)", async () => {
    const before = pool.stats.completed;
    const vectors = await OffloadedEmbedder.wrap(local, pool)!.embed(texts, "document");
    expect(pool.stats.completed).toBe(before);
    expect(vectors.map((v) => [...v])).toEqual((await local.embed(texts)).map((v) => [...v]));
  });

  it("a question stays on the calling thread (it must not wait behind a parse)", async () => {
    const before = pool.stats.completed;
    const [v] = await OffloadedEmbedder.wrap(local, pool)!.embed(["dividend per share"], "query");
    expect([...v]).toEqual([...local.embedOne("dividend per share")]);
    expect(pool.stats.completed).toBe(before);
  });

  it("a decorated local embedder is left as it is (a worker would rebuild it without its decoration)", () => {
    const counting = new HashedNgramEmbedder(256);
    const embed = counting.embed.bind(counting);
    counting.embed = async (texts) => embed(texts);
    expect(OffloadedEmbedder.wrap(counting, pool)).toBeUndefined();
  });

  it("an embedder over HTTP is left as it is", () => {
    const remote: Embedder = { model: "BAAI/bge-small-en-v1.5", dimensions: 384, backend: "tei http://gpu:8080", embed: async () => [] };
    expect(OffloadedEmbedder.wrap(remote, pool)).toBeUndefined();
  });
});
