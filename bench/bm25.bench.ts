import { createRequire } from "node:module";
import { join } from "node:path";
import MiniSearch from "minisearch";
import { stemmer } from "stemmer";
import { FTS_STOPWORDS, SqliteSearchIndex } from "../shared/adapters/embedded/sqlite-search-index";
import type { EmbeddedChunk } from "../shared/domain/chunk";
import { percentile, scifact, tempDataDir } from "./support";

// BM25 on the embedded index, side by side in one process: the current query (content words, 64 MiB
// page cache), the earlier one (every word, SQLite's 2 MiB default cache) over the same SQLite file,
// and two JavaScript search libraries over the same abstracts held in memory: MiniSearch with a
// Porter stemmer and wink-bm25-text-search with its own stemming pipeline. Queries rotate through
// all of them; latency p50/p95 and nDCG@10 on scifact's questions (their relevant abstracts are the
// judgments).

const { corpus, questions: all } = scifact();
const questions = all.filter((q) => q.relevant_doc_ids.length);

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

const ours = {
  "ragline: content words, 64 MiB cache": new SqliteSearchIndex(path),
  "ragline: every word, 2 MiB (before)": new SqliteSearchIndex(path, { keepStopwords: true, cacheMiB: 2 }),
};
// MiniSearch leaves out the same function words as our query does (with them every query scores most documents).
const mini = new MiniSearch<{ id: string; text: string }>({
  fields: ["text"],
  processTerm: (term) => (FTS_STOPWORDS.has(term.toLowerCase()) ? null : stemmer(term.toLowerCase())),
});
mini.addAll(corpus.map((d) => ({ id: d.id, text: `${d.title}\n${d.text}` })));
// wink-bm25-text-search is CommonJS without types: its search(text, limit) answers [id, score] pairs.
const require = createRequire(import.meta.url);
const wink = require("wink-bm25-text-search")() as {
  defineConfig(cfg: object): void;
  definePrepTasks(tasks: unknown[]): void;
  addDoc(doc: object, id: string): void;
  consolidate(): void;
  search(text: string, limit: number): [string, number][];
};
const nlp = require("wink-nlp-utils");
wink.defineConfig({ fldWeights: { text: 1 } });
wink.definePrepTasks([nlp.string.lowerCase, nlp.string.tokenize0, nlp.tokens.removeWords, nlp.tokens.stem, nlp.tokens.propagateNegations]);
for (const d of corpus) wink.addDoc({ text: `${d.title}\n${d.text}` }, d.id);
wink.consolidate();

const variants: Record<string, (q: string) => Promise<string[]> | string[]> = {
  ...Object.fromEntries(
    Object.entries(ours).map(([name, index]) => [
      name,
      async (q: string) => (await index.search({ text: q, topK: 10, fusion: { vectorWeight: 0 } })).map((h) => h.documentKey),
    ]),
  ),
  "MiniSearch + Porter stemmer": (q) =>
    mini
      .search(q)
      .slice(0, 10)
      .map((r) => String(r.id)),
  "wink-bm25-text-search": (q) => wink.search(q, 10).map(([id]) => id),
};
const ndcg10 = (ranked: string[], relevant: string[]) => {
  const dcg = ranked.slice(0, 10).reduce((s, k, i) => s + (relevant.includes(k) ? 1 / Math.log2(i + 2) : 0), 0);
  const ideal = relevant.slice(0, 10).reduce((s, _, i) => s + 1 / Math.log2(i + 2), 0);
  return dcg / ideal;
};
const stats = Object.fromEntries(Object.keys(variants).map((k) => [k, { ms: [] as number[], ndcg: [] as number[] }]));
const names = Object.keys(variants);
for (let round = 0; round < 2; round++) {
  for (const [qi, q] of questions.entries()) {
    // Rotate who goes first, so no engine always runs right after another's cache traffic.
    for (let k = 0; k < names.length; k++) {
      const name = names[(qi + k) % names.length];
      const t0 = performance.now();
      const ranked = await variants[name](q.question);
      const ms = performance.now() - t0;
      if (round === 1) {
        stats[name].ms.push(ms);
        stats[name].ndcg.push(ndcg10(ranked, q.relevant_doc_ids));
      }
    }
  }
}
console.log(`BM25 side by side: scifact ${corpus.length} abstracts, ${questions.length} questions, rotated (second pass measured)`);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
for (const [name, s] of Object.entries(stats)) {
  console.log(`  ${name.padEnd(38)} p50 ${percentile(s.ms, 50).toFixed(1)} ms, p95 ${percentile(s.ms, 95).toFixed(1)} ms, nDCG@10 ${mean(s.ndcg).toFixed(3)}`);
}
const now = percentile(stats[names[0]].ms, 50);
console.log(`  p50 of each / ragline now: ${names.map((n) => `${n} ${(percentile(stats[n].ms, 50) / now).toFixed(2)}x`).join("; ")}`);
for (const index of Object.values(ours)) index.close();
t.cleanup();
