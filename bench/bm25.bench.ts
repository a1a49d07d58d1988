import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SqliteSearchIndex } from "../shared/adapters/embedded/sqlite-search-index";
import type { EmbeddedChunk } from "../shared/domain/chunk";
import { DATASETS_DIR, percentile, tempDataDir } from "./support";

// BM25 on the embedded index, side by side in one process over the same SQLite file: the current
// query (content words, 64 MiB page cache) against the earlier one (every word, SQLite's 2 MiB
// default cache). Queries alternate between the two; latency p50/p95 and nDCG@10 on scifact's
// questions (their relevant abstracts are the judgments).

const corpus = readFileSync(join(DATASETS_DIR, "scifact", "corpus.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { id: string; title: string; text: string });
const questions = readFileSync(join(DATASETS_DIR, "scifact", "questions.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { question: string; relevant_doc_ids: string[] })
  .filter((q) => q.relevant_doc_ids.length);

const t = tempDataDir();
const path = join(t.dir, "search.db");
const writer = new SqliteSearchIndex(path);
const vector = new Float32Array([1]);
for (let i = 0; i < corpus.length; i += 500) {
  const chunks: EmbeddedChunk[] = corpus.slice(i, i + 500).map((d) => ({
    id: d.id,
    documentKey: d.id,
    version: "v1",
    ordinal: 0,
    text: `${d.title}\n${d.text}`,
    sectionPath: [],
    kind: "text",
    metadata: {},
    vector,
    embeddingModel: "none",
  }));
  await writer.stage(chunks);
  for (const c of chunks) await writer.activate(c.documentKey, "v1");
}
writer.close();

const variants = {
  "content words, 64 MiB cache": new SqliteSearchIndex(path),
  "every word, 2 MiB cache (before)": new SqliteSearchIndex(path, { keepStopwords: true, cacheMiB: 2 }),
};
const ndcg10 = (ranked: string[], relevant: string[]) => {
  const dcg = ranked.slice(0, 10).reduce((s, k, i) => s + (relevant.includes(k) ? 1 / Math.log2(i + 2) : 0), 0);
  const ideal = relevant.slice(0, 10).reduce((s, _, i) => s + 1 / Math.log2(i + 2), 0);
  return dcg / ideal;
};
const stats = Object.fromEntries(Object.keys(variants).map((k) => [k, { ms: [] as number[], ndcg: [] as number[] }]));
for (let round = 0; round < 2; round++) {
  for (const q of questions) {
    for (const [name, index] of round % 2 ? Object.entries(variants).reverse() : Object.entries(variants)) {
      const t0 = performance.now();
      const hits = await index.search({ text: q.question, topK: 10, fusion: { vectorWeight: 0 } });
      const ms = performance.now() - t0;
      if (round === 1) {
        stats[name].ms.push(ms);
        stats[name].ndcg.push(
          ndcg10(
            hits.map((h) => h.documentKey),
            q.relevant_doc_ids,
          ),
        );
      }
    }
  }
}
console.log(`BM25 on the embedded index: scifact ${corpus.length} abstracts, ${questions.length} questions, interleaved (second pass measured)`);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
for (const [name, s] of Object.entries(stats)) {
  console.log(`  ${name.padEnd(34)} p50 ${percentile(s.ms, 50).toFixed(1)} ms, p95 ${percentile(s.ms, 95).toFixed(1)} ms, nDCG@10 ${mean(s.ndcg).toFixed(3)}`);
}
const [a, b] = Object.values(stats);
console.log(`  ratio before / now (p50): ${(percentile(b.ms, 50) / percentile(a.ms, 50)).toFixed(2)}x`);
for (const index of Object.values(variants)) index.close();
t.cleanup();
