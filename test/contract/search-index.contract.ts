import { describe, expect, it } from "vitest";
import type { EmbeddedChunk, ScoredChunk } from "../../shared/domain/chunk";
import type { SearchIndex, SearchRequest } from "../../shared/ports/search-index";
import { CASES, CORPUS } from "./access-filter-cases";

// What every SearchIndex adapter must do, run against each one that can run here (a file per adapter
// calls searchIndexContract with a factory): filters, ACL and tenants on both the BM25 and the vector
// side (the one table in access-filter-cases.ts), staged versions and their atomic activation,
// deletes, the inputs of the fusion (each side's ranks and weights), and embedding-model generations.

export interface SearchIndexFixture {
  index: SearchIndex;
  close?: () => void | Promise<void>;
}

const MODEL = "contract-model-d8";
const DIMS = 8;

/** A unit vector close to the query [1, 0, ...]: similarity falls with `i`, so the vector ranking is known. */
function vectorFor(i: number, dims = DIMS): Float32Array {
  const v = new Float32Array(dims);
  v[0] = 1;
  v[1 + (i % (dims - 1))] = 0.05 * (i + 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}
const axis = (dims: number) => Float32Array.from({ length: dims }, (_, d) => (d === 0 ? 1 : 0));
const QUERY = axis(DIMS);

function chunk(
  key: string,
  version: string,
  ordinal: number,
  text: string,
  metadata: EmbeddedChunk["metadata"] = {},
  i = ordinal,
  model = MODEL,
  dims = DIMS,
): EmbeddedChunk {
  return {
    id: `${key}#${ordinal}:${text.length}`,
    documentKey: key,
    version,
    ordinal,
    text,
    sectionPath: ["Section"],
    kind: "text",
    metadata,
    vector: vectorFor(i, dims),
    embeddingModel: model,
  };
}

async function indexDoc(index: SearchIndex, key: string, version: string, texts: string[], metadata: EmbeddedChunk["metadata"] = {}, offset = 0) {
  await index.stage(texts.map((t, n) => chunk(key, version, n, t, metadata, offset + n)));
  await index.activate(key, version);
}

const keysOf = (hits: ScoredChunk[]) => [...new Set(hits.map((h) => h.documentKey))].sort();

export function searchIndexContract(label: string, factory: () => SearchIndexFixture | Promise<SearchIndexFixture>) {
  async function withIndex(body: (index: SearchIndex) => Promise<void>) {
    const f = await factory();
    try {
      await f.index.switchServingModel(MODEL);
      await body(f.index);
    } finally {
      await f.close?.();
    }
  }

  /** The access/filter corpus: each document one chunk that mentions "ledger", with its own vector. */
  async function withCorpus(body: (index: SearchIndex) => Promise<void>) {
    await withIndex(async (index) => {
      for (const [i, d] of CORPUS.entries()) await indexDoc(index, d.key, "v1", [`The ledger entry number ${i} for ${d.key}.`], d.metadata, i);
      await body(index);
    });
  }

  describe(`SearchIndex contract: ${label}`, () => {
    const sides: { side: string; req: Partial<SearchRequest> }[] = [
      { side: "BM25 side", req: { fusion: { bm25Weight: 1, vectorWeight: 0 } } },
      { side: "vector side", req: { fusion: { bm25Weight: 0, vectorWeight: 1 } } },
      { side: "fused", req: {} },
    ];
    for (const { side, req } of sides) {
      it(`filters, ACL and tenants (${side}): every case of the common table admits exactly its documents`, async () => {
        await withCorpus(async (index) => {
          for (const c of CASES) {
            const hits = await index.search({ text: "ledger", vector: QUERY, embeddingModel: MODEL, topK: 50, filters: c.filters, access: c.access, ...req });
            expect(keysOf(hits), c.name).toEqual([...c.admitted].sort());
          }
        });
      });
    }

    it("fusion inputs: each side ranks on its own, a side with weight 0 contributes no rank, scores are the weighted RRF sum", async () => {
      await withIndex(async (index) => {
        // BM25 prefers "bravo" (the word twice); the vector side prefers "alpha" (closest to the query).
        await indexDoc(index, "fusion/alpha.txt", "v1", ["alpha mentions the harbour once, with other words around it."], {}, 0);
        await indexDoc(index, "fusion/bravo.txt", "v1", ["harbour harbour bravo."], {}, 5);
        await indexDoc(index, "fusion/charlie.txt", "v1", ["charlie is about something else entirely."], {}, 6);
        const base = { text: "harbour", vector: QUERY, embeddingModel: MODEL, topK: 10 };
        const bm25Only = await index.search({ ...base, fusion: { bm25Weight: 1, vectorWeight: 0 } });
        expect(bm25Only.map((h) => h.documentKey)).toEqual(["fusion/bravo.txt", "fusion/alpha.txt"]);
        expect(bm25Only.map((h) => [h.bm25Rank, h.vectorRank])).toEqual([
          [1, undefined],
          [2, undefined],
        ]);
        const vecOnly = await index.search({ ...base, fusion: { bm25Weight: 0, vectorWeight: 1 } });
        expect(vecOnly.map((h) => h.documentKey)).toEqual(["fusion/alpha.txt", "fusion/bravo.txt", "fusion/charlie.txt"]);
        expect(vecOnly.map((h) => h.bm25Rank)).toEqual([undefined, undefined, undefined]);
        const fused = await index.search({ ...base, fusion: { bm25Weight: 2, vectorWeight: 1, k: 10 } });
        const byKey = new Map(fused.map((h) => [h.documentKey, h]));
        expect(byKey.get("fusion/bravo.txt")).toMatchObject({ bm25Rank: 1, vectorRank: 2 });
        expect(byKey.get("fusion/alpha.txt")).toMatchObject({ bm25Rank: 2, vectorRank: 1 });
        expect(byKey.get("fusion/charlie.txt")).toMatchObject({ vectorRank: 3 });
        expect(byKey.get("fusion/charlie.txt")!.bm25Rank).toBeUndefined();
        for (const h of fused) expect(h.score).toBeCloseTo((h.bm25Rank ? 2 / (10 + h.bm25Rank) : 0) + (h.vectorRank ? 1 / (10 + h.vectorRank) : 0), 9);
        expect(fused.map((h) => h.documentKey)).toEqual(["fusion/bravo.txt", "fusion/alpha.txt", "fusion/charlie.txt"]);
        // Without a query vector only BM25 runs; topK cuts the fused list.
        const textOnly = await index.search({ text: "harbour", embeddingModel: MODEL, topK: 1 });
        expect(textOnly.map((h) => [h.documentKey, h.bm25Rank, h.vectorRank])).toEqual([["fusion/bravo.txt", 1, undefined]]);
      });
    });

    it("returns chunks as they were staged: text, section path, page, kind, metadata, version", async () => {
      await withIndex(async (index) => {
        const c = {
          ...chunk("shape/doc.pdf", "v7", 0, "Quarterly revenue grew in the northern region.", { department: "sales", tags: ["q3"] }),
          page: 3,
          pageEnd: 4,
          kind: "table" as const,
          sectionPath: ["Results", "Revenue"],
        };
        await index.stage([c]);
        await index.activate(c.documentKey, "v7");
        const [hit] = await index.search({ text: "revenue northern", vector: QUERY, embeddingModel: MODEL, topK: 1 });
        expect(hit).toMatchObject({
          id: c.id,
          documentKey: c.documentKey,
          version: "v7",
          ordinal: 0,
          text: c.text,
          sectionPath: ["Results", "Revenue"],
          page: 3,
          pageEnd: 4,
          kind: "table",
          metadata: { department: "sales", tags: ["q3"] },
        });
        expect(hit).not.toHaveProperty("vector");
      });
    });

    it("versions: a staged version is invisible until activated, then replaces the old one whole", async () => {
      await withIndex(async (index) => {
        await indexDoc(index, "v/doc.txt", "v1", ["The glacier report, first edition.", "Second glacier paragraph."]);
        await index.stage([chunk("v/doc.txt", "v2", 0, "The glacier report, revised edition.")]);
        const during = await index.search({ text: "glacier", vector: QUERY, embeddingModel: MODEL, topK: 10 });
        expect(during.map((h) => h.version)).toEqual(["v1", "v1"]);
        expect((await index.chunksOf("v/doc.txt")).map((c) => c.version)).toEqual(["v1", "v1"]);
        expect(await index.countChunks("v/doc.txt", "v2", MODEL)).toBe(1);
        await index.stage([chunk("v/doc.txt", "v2", 0, "The glacier report, revised edition.")]); // redelivered batch
        expect(await index.countChunks("v/doc.txt", "v2", MODEL)).toBe(1);
        await index.activate("v/doc.txt", "v2");
        const after = await index.search({ text: "glacier", vector: QUERY, embeddingModel: MODEL, topK: 10 });
        expect(after.map((h) => [h.version, h.text])).toEqual([["v2", "The glacier report, revised edition."]]);
        expect(await index.countChunks("v/doc.txt", "v1", MODEL)).toBe(0);
        expect((await index.chunksOf("v/doc.txt")).map((c) => c.text)).toEqual(["The glacier report, revised edition."]);
        await index.activate("v/doc.txt", "v2"); // activation is idempotent
        expect(await index.countChunks("v/doc.txt", "v2", MODEL)).toBe(1);
      });
    });

    it("versions: chunks staged for the live version (a metadata change re-staged) are visible at once; other documents are untouched", async () => {
      await withIndex(async (index) => {
        await indexDoc(index, "a.txt", "v1", ["Alpine lakes freeze in winter."]);
        await indexDoc(index, "b.txt", "v1", ["Alpine passes close in winter."]);
        await index.stage([chunk("a.txt", "v1", 1, "Alpine meadows bloom in summer.")]);
        expect((await index.chunksOf("a.txt")).map((c) => c.ordinal)).toEqual([0, 1]);
        await indexDoc(index, "a.txt", "v2", ["Alpine lakes thaw in spring."]);
        expect(keysOf(await index.search({ text: "alpine", vector: QUERY, embeddingModel: MODEL, topK: 10 }))).toEqual(["a.txt", "b.txt"]);
        expect((await index.chunksOf("b.txt")).map((c) => c.version)).toEqual(["v1"]);
      });
    });

    it("deletes: a removed document leaves search (both sides), chunksOf and the counts; removing twice or an unknown key is fine", async () => {
      await withIndex(async (index) => {
        await indexDoc(index, "d/keep.txt", "v1", ["Volcanic ash closes airports."]);
        await indexDoc(index, "d/gone.txt", "v1", ["Volcanic eruptions release sulfur.", "Volcanic islands form."]);
        await index.removeDocument("d/gone.txt");
        await index.removeDocument("d/gone.txt");
        await index.removeDocument("d/never-there.txt");
        for (const fusion of [
          { bm25Weight: 1, vectorWeight: 0 },
          { bm25Weight: 0, vectorWeight: 1 },
        ]) {
          expect(keysOf(await index.search({ text: "volcanic", vector: QUERY, embeddingModel: MODEL, topK: 10, fusion }))).toEqual(["d/keep.txt"]);
        }
        expect(await index.chunksOf("d/gone.txt")).toEqual([]);
        expect(await index.countChunks("d/gone.txt", "v1", MODEL)).toBe(0);
        expect(await index.modelCoverage(MODEL)).toEqual({ chunks: 1, covered: 1 });
        // a key can be indexed again after its removal
        await indexDoc(index, "d/gone.txt", "v2", ["Volcanic soil is fertile."]);
        expect(keysOf(await index.search({ text: "volcanic", vector: QUERY, embeddingModel: MODEL, topK: 10 }))).toEqual(["d/gone.txt", "d/keep.txt"]);
      });
    });

    it("embedding models: vectors by chunk id and model, one model served, coverage, the switch drops the old model", async () => {
      await withIndex(async (index) => {
        await indexDoc(index, "m/one.txt", "v1", ["Coral reefs bleach in warm water."]);
        await indexDoc(index, "m/two.txt", "v1", ["Coral spawning follows the moon."], {}, 3);
        const [c] = await index.chunksOf("m/one.txt");
        expect(Array.from((await index.vectorsFor([c!.id, "no-such-chunk"], MODEL)).get(c!.id)!)).toEqual(Array.from(c!.vector));
        expect((await index.vectorsFor([c!.id], "other-model")).size).toBe(0);
        const NEXT = "contract-model-d4";
        await index.stage([{ ...c!, vector: vectorFor(0, 4), embeddingModel: NEXT }]);
        expect(await index.servingModel()).toBe(MODEL);
        expect(await index.modelCoverage(NEXT)).toEqual({ chunks: 2, covered: 1 });
        // queries of the serving model see each chunk once
        expect((await index.search({ text: "coral", vector: QUERY, embeddingModel: MODEL, topK: 10 })).map((h) => h.documentKey).sort()).toEqual([
          "m/one.txt",
          "m/two.txt",
        ]);
        await index.switchServingModel(NEXT);
        expect(await index.servingModel()).toBe(NEXT);
        expect((await index.chunksOf("m/one.txt"))[0]!.embeddingModel).toBe(NEXT);
        expect((await index.vectorsFor([c!.id], MODEL)).size).toBe(0);
        expect(await index.modelCoverage(MODEL)).toEqual({ chunks: 1, covered: 0 });
        const hits = await index.search({ text: "coral", vector: axis(4), embeddingModel: NEXT, topK: 10 });
        expect(hits.map((h) => [h.documentKey, h.vectorRank])).toEqual([["m/one.txt", 1]]);
      });
    });

    it("treats query syntax in the question as plain words", async () => {
      await withIndex(async (index) => {
        await indexDoc(index, "s.txt", "v1", ["Plain words about harbours."]);
        for (const text of ['NEAR("x" AND) OR * "', "harbours)) OR (( *", "-", ""]) {
          await expect(index.search({ text, vector: QUERY, embeddingModel: MODEL, topK: 5 })).resolves.toBeInstanceOf(Array);
        }
      });
    });
  });
}
