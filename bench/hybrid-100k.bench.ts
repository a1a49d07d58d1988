import { join } from "node:path";
import { SqliteSearchIndex } from "../shared/adapters/embedded/sqlite-search-index";
import { HashedNgramEmbedder } from "../shared/adapters/local/hashed-ngram-embedder";
import type { EmbeddedChunk } from "../shared/domain/chunk";
import type { SearchRequest } from "../shared/ports/search-index";
import { percentile, readEveryFloat, scifact, tempDataDir } from "./support";

// Hybrid queries (BM25 + vector, fused) on a synthetic 100k-chunk embedded index, the way a request
// asks (tenant and readers set), side by side in one process with each side alone and with the
// memory-bandwidth floor (one read of as many floats as the vectors hold). The text is real (overlapping
// word windows of scifact's abstracts, so BM25 sees a real term distribution); vectors come from the
// local 384-d embedder. Rounds interleave; the second of two passes is measured.

const N = Number(process.env.CHUNKS ?? 100_000);
const WINDOW = 60;
const { corpus: abstracts, questions: all } = scifact();
const questions = all.map((q) => q.question).slice(0, 150);

// Word windows with the stride that yields N chunks over the whole corpus.
const words = abstracts.map((a) => `${a.title} ${a.text}`.split(/\s+/));
const totalWords = words.reduce((s, w) => s + w.length, 0);
// A document of L words gives about (L - WINDOW) / stride + 1 windows.
const stride = Math.max(1, Math.floor((totalWords - WINDOW * words.length) / Math.max(1, N - words.length)));
const embedder = new HashedNgramEmbedder(384);
const t = tempDataDir();
const path = join(t.dir, "search.db");
const writer = new SqliteSearchIndex(path);
const metadata = { tenant: "acme", acl: ["staff"] };
let made = 0;
const startBuild = performance.now();
for (let d = 0; d < abstracts.length && made < N; d++) {
  const texts: string[] = [];
  for (let i = 0; i < Math.max(1, words[d].length - WINDOW + stride) && made + texts.length < N; i += stride) {
    texts.push(words[d].slice(i, i + WINDOW).join(" "));
  }
  const vectors = await embedder.embed(texts);
  const chunks: EmbeddedChunk[] = texts.map((text, i) => ({
    id: `${abstracts[d].id}-${i}`,
    documentKey: `acme/${abstracts[d].id}`,
    version: "v1",
    ordinal: i,
    text,
    sectionPath: [],
    kind: "text",
    metadata,
    vector: vectors[i],
    embeddingModel: embedder.model,
  }));
  await writer.stage(chunks);
  await writer.activate(chunks[0].documentKey, "v1");
  made += chunks.length;
}
writer.close();
const buildSeconds = (performance.now() - startBuild) / 1000;

const index = new SqliteSearchIndex(path);
const access = { tenant: "acme", readers: ["staff", "alice"] };
const queryVectors = await embedder.embed(questions);
// The memory-bandwidth floor: one read of as many floats as the index's vectors hold.
const floorData = new Float32Array(made * 384).fill(0.5);

const variants: Record<string, (i: number) => Promise<unknown> | unknown> = {
  "hybrid (BM25 + vector, fused)": (i) => index.search(request(i, { bm25Weight: 1, vectorWeight: 1 })),
  "BM25 only": (i) => index.search(request(i, { bm25Weight: 1, vectorWeight: 0 })),
  "vector only": (i) => index.search(request(i, { bm25Weight: 0, vectorWeight: 1 })),
  "one JS read of every vector": () => readEveryFloat(floorData),
};
function request(i: number, fusion: SearchRequest["fusion"]): SearchRequest {
  return { text: questions[i], vector: queryVectors[i], topK: 10, access, embeddingModel: embedder.model, fusion };
}
const ms: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let pass = 0; pass < 2; pass++) {
  for (let i = 0; i < questions.length; i++) {
    const order = i % 2 ? Object.entries(variants).reverse() : Object.entries(variants);
    for (const [name, run] of order) {
      const t0 = performance.now();
      await run(i);
      if (pass === 1) ms[name].push(performance.now() - t0);
    }
  }
}
const rss = process.memoryUsage().rss / 2 ** 20;
console.log(`hybrid search on a synthetic ${made}-chunk index (scifact word windows, 384-d local vectors; built in ${buildSeconds.toFixed(0)} s):`);
console.log(`  ${questions.length} scifact questions x 2 interleaved passes (second measured), tenant + readers set, top 10; RSS ${rss.toFixed(0)} MiB`);
for (const [name, v] of Object.entries(ms)) {
  console.log(`  ${name.padEnd(32)} p50 ${percentile(v, 50).toFixed(1)} ms, p95 ${percentile(v, 95).toFixed(1)} ms`);
}
const floor = percentile(ms["one JS read of every vector"], 95);
console.log(`  hybrid p95 / JS read p95: ${(percentile(ms["hybrid (BM25 + vector, fused)"], 95) / floor).toFixed(2)}x (target: p95 <= 60 ms)`);
index.close();
t.cleanup();
