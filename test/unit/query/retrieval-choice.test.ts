import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteSearchIndex } from "../../../shared/adapters/embedded/sqlite-search-index";
import type { Embedder } from "../../../shared/ports/models";
import { chooseWeights, defaultWeights } from "../../../shared/query/retrieval-choice";
import { EvalSetError, parseEvalSet } from "../../../shared/query/retrieval-tuning";
import { tempDir } from "../../helpers/tmp";

// The fusion weights are chosen by measurement on a real SQLite index (FTS5 BM25 + stored vectors).
// Two stand-in embedders make the outcome known in advance: a synonym-aware one standing in for a
// neural model (it places "physician" next to "doctor", which BM25 cannot), and a random one
// standing in for a useless vector side.

const CONCEPTS: string[][] = [
  ["doctor", "physician"],
  ["car", "automobile"],
  ["house", "dwelling"],
  ["lawyer", "attorney"],
  ["film", "movie"],
  ["child", "kid"],
  ["ship", "vessel"],
  ["shop", "store"],
  ["teacher", "educator"],
  ["river", "stream"],
];
const DOCS = [
  "The doctor examines patients every morning.",
  "The car needs new brakes and tyres.",
  "The house has a red roof and a garden.",
  "The lawyer drafted the contract overnight.",
  "The film premiered at the festival.",
  "The child learned to read early.",
  "The ship crossed the ocean in winter.",
  "The shop sells bread and cheese.",
  "The teacher graded the essays.",
  "The river floods each spring.",
  "A visit to the museum takes an hour.",
  "Repair work on the bridge costs money.",
  "The meeting about planning ran late.",
];
// Each question names its topic only by a synonym, plus a word that a wrong document holds.
const QUESTIONS = [
  { question: "physician visit", documentKeys: ["d0"] },
  { question: "automobile repair", documentKeys: ["d1"] },
  { question: "dwelling planning", documentKeys: ["d2"] },
  { question: "attorney meeting", documentKeys: ["d3"] },
  { question: "movie visit", documentKeys: ["d4"] },
  { question: "kid museum", documentKeys: ["d5"] },
];

/** Stand-in for a neural embedder: one dimension per concept, synonyms share it. */
const conceptEmbedder: Embedder = {
  model: "test/concepts-d10",
  dimensions: 10,
  backend: "test-stand-in",
  async embed(texts) {
    return texts.map((t) => {
      const v = new Float32Array(10);
      const words = t.toLowerCase().match(/[a-z]+/g) ?? [];
      CONCEPTS.forEach((syn, i) => {
        if (words.some((w) => syn.includes(w))) v[i] = 1;
      });
      const n = Math.hypot(...v) || 1;
      return v.map((x) => x / n);
    });
  },
};

/** Stand-in for a useless vector side: seeded noise. */
const noiseEmbedder: Embedder = {
  model: "test/noise-d8",
  dimensions: 8,
  backend: "test-stand-in",
  async embed(texts) {
    return texts.map((t) => {
      let s = [...t].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7);
      const v = new Float32Array(8).map(() => {
        s = (s * 1103515245 + 12345) >>> 0;
        return s / 2 ** 32 - 0.5;
      });
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    });
  },
};

async function indexWith(dir: string, embedder: Embedder): Promise<SqliteSearchIndex> {
  const index = new SqliteSearchIndex(join(dir, `${embedder.model.replace(/\W/g, "_")}.db`));
  const vectors = await embedder.embed(DOCS, "document");
  await index.stage(
    DOCS.map((text, i) => ({
      id: `c${i}`,
      documentKey: `d${i}`,
      version: "v1",
      ordinal: 0,
      text,
      sectionPath: [],
      kind: "text" as const,
      metadata: {},
      embeddingModel: embedder.model,
      vector: vectors[i],
    })),
  );
  for (let i = 0; i < DOCS.length; i++) await index.activate(`d${i}`, "v1");
  return index;
}

describe("fusion weights chosen on an eval set (real SQLite index, stand-in embedders)", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("picks vector-weighted fusion when the vector side finds what BM25 cannot, and reports the gain", async () => {
    const index = await indexWith(t.dir, conceptEmbedder);
    const choice = await chooseWeights(index, conceptEmbedder, { key: "eval", hash: "h1", questions: QUESTIONS });
    index.close();
    expect(choice.chosenBy).toBe("eval-set");
    expect(choice.embeddingModel).toBe("test/concepts-d10");
    expect(choice.vectorWeight).toBeGreaterThan(choice.bm25Weight);
    expect(choice.effect!.chosen).toBeGreaterThan(choice.effect!.bm25Only);
    expect(choice.effect!.chosen).toBeGreaterThan(choice.effect!.equalWeights);
    expect(choice.measured![0].ndcg10).toBe(choice.effect!.chosen);
    expect(choice.evalSet).toEqual({ key: "eval", questions: QUESTIONS.length, hash: "h1" });
  });

  it("picks BM25 alone when the vector side is noise, so the default is never worse than BM25 on its eval set", async () => {
    const index = await indexWith(t.dir, noiseEmbedder);
    // Here the questions share words with their documents.
    const lexical = [
      { question: "doctor examines patients", documentKeys: ["d0"] },
      { question: "brakes and tyres", documentKeys: ["d1"] },
      { question: "red roof garden", documentKeys: ["d2"] },
      { question: "contract drafted", documentKeys: ["d3"] },
      { question: "festival premiere", documentKeys: ["d4"] },
      { question: "bread and cheese", documentKeys: ["d7"] },
    ];
    const choice = await chooseWeights(index, noiseEmbedder, { key: "eval", hash: "h2", questions: lexical });
    index.close();
    expect(choice.effect!.chosen).toBeGreaterThanOrEqual(choice.effect!.bm25Only);
    expect(choice.effect!.chosen).toBeGreaterThan(choice.measured!.find((m) => m.bm25Weight === 0)!.ndcg10);
    expect({ bm25: choice.bm25Weight, vector: choice.vectorWeight }).toEqual({ bm25: 1, vector: 0 });
  });

  it("without an eval set uses the BM25-weighted default and says so", async () => {
    const index = await indexWith(t.dir, noiseEmbedder);
    const choice = await chooseWeights(index, noiseEmbedder, undefined);
    index.close();
    expect(choice).toMatchObject({ chosenBy: "default", ...(({ basis: _b, ...w }) => w)(defaultWeights(noiseEmbedder)) });
    expect(choice.bm25Weight).toBeGreaterThan(choice.vectorWeight);
    expect(choice.measured).toBeUndefined();
  });
});

describe("eval set file", () => {
  it("reads {question, documentKeys} lines and names the line of a bad one", () => {
    expect(parseEvalSet('{"question":"q1","documentKeys":["a.md"]}\n\n{"question":"q2","documentKeys":["b.md","c.md"]}\n')).toHaveLength(2);
    expect(() => parseEvalSet('{"question":"q1","documentKeys":["a.md"]}\n{"question":"q2"}')).toThrow(/line 2/);
    expect(() => parseEvalSet("not json")).toThrow(EvalSetError);
  });
});
