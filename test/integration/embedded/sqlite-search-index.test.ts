import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { SqliteSearchIndex } from "../../../shared/adapters/embedded/sqlite-search-index";
import { HashedNgramEmbedder } from "../../../shared/adapters/local/hashed-ngram-embedder";
import type { EmbeddedChunk } from "../../../shared/domain/chunk";
import { tempDir } from "../../helpers/tmp";

const embedder = new HashedNgramEmbedder();
const TEXTS = [
  "Photosynthesis converts light energy into chemical energy in chloroplasts.",
  "The mitochondria produce ATP through oxidative phosphorylation.",
  "Glaciers carve U-shaped valleys during ice ages.",
  "Interest rates influence inflation and currency exchange.",
  "Volcanic eruptions release sulfur dioxide into the stratosphere.",
  "Neural networks learn representations with gradient descent.",
  "The Roman aqueducts carried water across long distances.",
  "Coral reefs bleach when ocean temperatures rise.",
  "Quarterly revenue grew because of strong services sales.",
  "Vaccines train the adaptive immune system to recognise antigens.",
];

function chunk(key: string, version: string, i: number, text: string, metadata: EmbeddedChunk["metadata"] = {}): EmbeddedChunk {
  return {
    id: `${key}#${i}:${text.length}`,
    documentKey: key,
    version,
    ordinal: i,
    text,
    sectionPath: [],
    kind: "text",
    metadata,
    vector: embedder.embedOne(text),
    embeddingModel: embedder.model,
  };
}

describe("SqliteSearchIndex (FTS5 BM25 + vectors, RRF)", () => {
  let t: ReturnType<typeof tempDir>;
  let index: SqliteSearchIndex;
  const search = (text: string, extra: Partial<Parameters<SqliteSearchIndex["search"]>[0]> = {}) =>
    index.search({ text, vector: embedder.embedOne(text), embeddingModel: embedder.model, topK: 3, ...extra });

  beforeEach(async () => {
    t = tempDir();
    index = new SqliteSearchIndex(join(t.dir, "index.db"));
    await index.switchServingModel(embedder.model);
    for (const [i, text] of TEXTS.entries()) {
      const key = i < 5 ? `science/doc${i}.txt` : `other/doc${i}.txt`;
      await index.stage([chunk(key, "v1", 0, text, { department: i % 2 ? "finance" : "research", acl: i === 9 ? ["medical"] : undefined })]);
      await index.activate(key, "v1");
    }
  });
  afterEach(() => {
    index.close();
    t.cleanup();
  });

  it("ranks the chunk that matches the question first, fusing both rankings", async () => {
    const [top] = await search("how do mitochondria make ATP?");
    expect(top.documentKey).toBe("science/doc1.txt");
    expect(top.bm25Rank).toBe(1);
    expect(top.vectorRank).toBe(1);
  });

  it("filters by key prefix and department inside the query", async () => {
    const r = await search("water energy revenue", { filters: { keyPrefix: "other/" }, topK: 10 });
    expect(r.length).toBeGreaterThan(0);
    expect(r.every((c) => c.documentKey.startsWith("other/"))).toBe(true);
    const f = await search("energy", { filters: { department: "finance" }, topK: 10 });
    expect(f.every((c) => c.metadata.department === "finance")).toBe(true);
  });

  it("returns a chunk with an ACL only to principals in one of its groups", async () => {
    expect((await search("vaccines immune antigens", { access: { tenant: "default", readers: ["staff"] } })).map((c) => c.documentKey)).not.toContain(
      "other/doc9.txt",
    );
    expect((await search("vaccines immune antigens", { access: { tenant: "default", readers: ["medical"] } }))[0].documentKey).toBe("other/doc9.txt");
  });

  it("keeps a staged version invisible until activation, then swaps atomically", async () => {
    await index.stage([chunk("science/doc2.txt", "v2", 0, "Glaciers retreat quickly as summers warm.")]);
    let hits = await search("glaciers", { topK: 10 });
    expect(hits.filter((h) => h.documentKey === "science/doc2.txt").map((h) => h.version)).toEqual(["v1"]);
    await index.activate("science/doc2.txt", "v2");
    hits = await search("glaciers", { topK: 10 });
    expect(hits.filter((h) => h.documentKey === "science/doc2.txt").map((h) => h.version)).toEqual(["v2"]);
    expect(await index.countChunks("science/doc2.txt", "v1", embedder.model)).toBe(0);
  });

  it("removes a document's chunks and reuses stored vectors by chunk id and model", async () => {
    const [c] = await index.chunksOf("science/doc0.txt");
    expect((await index.vectorsFor([c.id], embedder.model)).get(c.id)).toEqual(c.vector);
    expect((await index.vectorsFor([c.id], "another-model")).size).toBe(0);
    await index.removeDocument("science/doc0.txt");
    expect(await index.chunksOf("science/doc0.txt")).toEqual([]);
    expect((await search("photosynthesis chloroplasts", { topK: 10 })).map((h) => h.documentKey)).not.toContain("science/doc0.txt");
  });

  it("serves one model's rows: a second model's vectors stay out of results until the switch, which drops the first", async () => {
    const other = new HashedNgramEmbedder(128);
    const [c] = await index.chunksOf("science/doc1.txt");
    await index.stage([{ ...c, vector: other.embedOne(c.text), embeddingModel: other.model }]);
    const hits = await search("mitochondria ATP", { topK: 10 });
    expect(hits.filter((h) => h.documentKey === "science/doc1.txt")).toHaveLength(1);
    expect(await index.modelCoverage(other.model)).toEqual({ chunks: TEXTS.length, covered: 1 });
    await index.switchServingModel(other.model);
    expect(await index.servingModel()).toBe(other.model);
    expect(await index.modelCoverage(embedder.model)).toEqual({ chunks: 1, covered: 0 });
    expect((await index.chunksOf("science/doc1.txt"))[0].embeddingModel).toBe(other.model);
  });

  it("treats FTS5 syntax in the question as plain words", async () => {
    await expect(search('NEAR("x" AND) OR * "')).resolves.toBeDefined();
  });
  it("writes asked together share one commit, in the order asked; each resolves once committed; one that fails fails alone", async () => {
    const before = index.commits;
    const keys = ["batch/a.txt", "batch/b.txt", "batch/c.txt"];
    // Staged together (as the index stage's records are), then activated together.
    await Promise.all(keys.map((k, i) => index.stage([chunk(k, "v1", 0, `Batch document ${i} about tidal energy in estuaries.`)])));
    expect(index.commits).toBe(before + 1);
    await Promise.all(keys.map((k) => index.activate(k, "v1")));
    expect(index.commits).toBe(before + 2);
    expect((await search("tidal energy estuaries")).map((r) => r.documentKey).sort()).toEqual(keys);
    // Asked in one turn: stage, activate, then remove the same document: the removal comes last.
    const staged = index.stage([chunk("batch/d.txt", "v1", 0, "A fourth note on tidal energy.")]);
    const activated = index.activate("batch/d.txt", "v1");
    const removed = index.removeDocument("batch/d.txt");
    // A chunk whose vector is not a Float32Array fails its own write; the others commit beside it.
    const bad = index.stage([{ ...chunk("batch/e.txt", "v1", 0, "bad"), vector: undefined as unknown as Float32Array }]);
    await Promise.all([staged, activated, removed]);
    await expect(bad).rejects.toThrow();
    expect(index.commits).toBe(before + 3);
    expect(await index.chunksOf("batch/d.txt")).toEqual([]);
    expect(await index.countChunks("batch/e.txt", "v1", embedder.model)).toBe(0);
    expect(await index.countChunks("batch/a.txt", "v1", embedder.model)).toBe(1);
  });
});
