import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HashedNgramEmbedder } from "../../../shared/adapters/local/hashed-ngram-embedder";
import { SIMD_MIN_ROWS } from "../../../shared/adapters/embedded/simd-dots";
import { SqliteSearchIndex } from "../../../shared/adapters/embedded/sqlite-search-index";
import { tempDir } from "../../helpers/tmp";

// The embedded index's vector cache follows activations and removals from its change log (its own
// and another process's), applying them in place instead of loading every vector again, and answers
// exactly as a freshly loaded cache does.

const embedder = new HashedNgramEmbedder();
const MODEL = embedder.model;

async function put(index: SqliteSearchIndex, key: string, version: string, texts: string[]) {
  const vectors = await embedder.embed(texts);
  await index.stage(
    texts.map((text, i) => ({
      id: `${key}-${version}-${i}`,
      documentKey: key,
      version,
      ordinal: i,
      text,
      sectionPath: [],
      kind: "text" as const,
      metadata: {},
      vector: vectors[i],
      embeddingModel: MODEL,
    })),
  );
  await index.activate(key, version);
}

async function vectorSearch(index: SqliteSearchIndex, question: string) {
  const [vector] = await embedder.embed([question]);
  // Vector side only: BM25 weight 0 is not searched.
  return (await index.search({ text: question, vector, embeddingModel: MODEL, topK: 5, fusion: { bm25Weight: 0, vectorWeight: 1 } })).map(
    (c) => `${c.documentKey}:${c.id}`,
  );
}

describe("vector cache kept up to date from the index's change log (real SQLite)", () => {
  let t: ReturnType<typeof tempDir>;
  let index: SqliteSearchIndex;
  beforeEach(async () => {
    t = tempDir();
    index = new SqliteSearchIndex(join(t.dir, "index.db"));
    await index.switchServingModel(MODEL);
    for (let d = 0; d < 10; d++)
      await put(index, `d${d}.txt`, "v1", [`document ${d} talks about topic ${d} and glaciers`, `more on topic ${d}: rivers and lakes`]);
  });
  afterEach(() => {
    index.close();
    t.cleanup();
  });

  it("an activation, a new version and a removal after the first search are applied in place, not by loading every vector again", async () => {
    await vectorSearch(index, "glaciers");
    const loaded = index.vectorCacheStats();
    expect(loaded.reloads).toBe(1);

    await put(index, "volcano.txt", "v1", ["volcanic eruptions release sulfur dioxide into the stratosphere"]);
    expect((await vectorSearch(index, "volcanic eruptions sulfur dioxide"))[0]).toBe("volcano.txt:volcano.txt-v1-0");
    await put(index, "volcano.txt", "v2", ["coral reefs bleach when the ocean warms"]); // the old version leaves
    expect((await vectorSearch(index, "coral reefs bleach ocean"))[0]).toBe("volcano.txt:volcano.txt-v2-0");
    expect(await vectorSearch(index, "volcanic eruptions sulfur dioxide")).not.toContain("volcano.txt:volcano.txt-v1-0");
    await index.removeDocument("d3.txt");
    expect((await vectorSearch(index, "document 3 topic 3 glaciers")).some((k) => k.startsWith("d3.txt"))).toBe(false);

    const after = index.vectorCacheStats();
    expect(after.reloads).toBe(1);
    expect(after.applied).toBeGreaterThanOrEqual(5);
  });

  it("another process's changes are seen, and the cache answers exactly as a freshly loaded one", async () => {
    await vectorSearch(index, "glaciers");
    const other = new SqliteSearchIndex(join(t.dir, "index.db"));
    try {
      await put(other, "reef.txt", "v1", ["coral reefs bleach when ocean temperatures rise"]);
      for (let d = 0; d < 6; d++) await put(other, `d${d}.txt`, "v2", [`document ${d} now covers volcanoes and ash`]);
      await other.removeDocument("d7.txt");
    } finally {
      other.close();
    }
    const fresh = new SqliteSearchIndex(join(t.dir, "index.db"));
    try {
      for (const q of ["coral reefs bleach", "volcanoes and ash", "glaciers rivers lakes", "topic 7", "topic 8 rivers"]) {
        expect(await vectorSearch(index, q)).toEqual(await vectorSearch(fresh, q));
      }
    } finally {
      fresh.close();
    }
    expect((await vectorSearch(index, "coral reefs bleach"))[0]).toBe("reef.txt:reef.txt-v1-0");
    expect(index.vectorCacheStats().reloads).toBe(1);
  });

  it("a switch of the serving model makes every cache load again", async () => {
    await vectorSearch(index, "glaciers");
    await index.switchServingModel(MODEL);
    await vectorSearch(index, "glaciers");
    expect(index.vectorCacheStats().reloads).toBe(2);
  });

  it("a slab large enough for WebAssembly SIMD grows, drops and packs in place and still answers as a fresh load does", async () => {
    // 2,100 chunks: past SIMD_MIN_ROWS, so the slab lives in a WebAssembly memory from the first load.
    for (let d = 10; d < 1_060; d++) await put(index, `d${d}.txt`, "v1", [`document ${d} topic ${d % 97} glaciers`, `part two of ${d}: rivers ${d % 13}`]);
    await vectorSearch(index, "glaciers");
    expect(SIMD_MIN_ROWS).toBeLessThan(2_100);
    // New rows grow it; 600 removals leave more than a quarter holes, which packs it.
    for (let d = 0; d < 40; d++) await put(index, `new${d}.txt`, "v1", [`fresh ${d} volcanoes ash ${d % 7}`]);
    for (let d = 100; d < 400; d++) await index.removeDocument(`d${d}.txt`);
    const fresh = new SqliteSearchIndex(join(t.dir, "index.db"));
    try {
      for (const q of ["volcanoes ash 3", "topic 42 glaciers", "rivers 5", "document 150 topic 53", "part two of 999"]) {
        expect(await vectorSearch(index, q)).toEqual(await vectorSearch(fresh, q));
      }
    } finally {
      fresh.close();
    }
    expect(index.vectorCacheStats().reloads).toBe(1);
  });
});
