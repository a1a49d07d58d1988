import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SqliteSearchIndex } from "../shared/adapters/embedded/sqlite-search-index";
import { loadConfig } from "../shared/runtime/config";
import { createEmbeddedContext } from "../shared/runtime/context";
import { ingestDirectly, type Doc } from "./direct-ingest";
import { benchFlags, DATASETS_DIR, percentile, tempDataDir } from "./support";

// `npm run bench` (vector cache during ingestion): a hybrid query after each newly activated document,
// on two indexes of the same scifact abstracts side by side, steps interleaved: the cache applying the
// change log in place (now) vs loading every vector again after each change (before).

const flags = benchFlags();
const base = Number(flags.docs ?? 1500);
const steps = Number(flags.steps ?? 100);

const lines = (file: string) =>
  readFileSync(join(DATASETS_DIR, file), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const corpus = lines("scifact/corpus.jsonl") as Doc[];
const questions = lines("scifact/questions.jsonl") as { question: string }[];

const setups = [
  { name: "in place (change log)", reload: false },
  { name: "reload on change (before)", reload: true },
].map((s) => {
  const data = tempDataDir();
  const ctx = createEmbeddedContext(loadConfig({ ...process.env, RAGLINE_DATA_DIR: data.dir }));
  (ctx.index as SqliteSearchIndex).close();
  const index = new SqliteSearchIndex(join(data.dir, "state", "index.db"), { reloadVectorsOnChange: s.reload });
  ctx.index = index;
  return { ...s, data, ctx, index, ms: [] as number[] };
});
for (const s of setups) await ingestDirectly(s.ctx, corpus.slice(0, base));

for (let i = 0; i < steps; i++) {
  const doc = corpus[base + i];
  const question = questions[i % questions.length].question;
  for (const s of i % 2 ? [...setups].reverse() : setups) {
    await ingestDirectly(s.ctx, [doc]);
    const [vector] = await s.ctx.embedder.embed([question], "query");
    const t0 = performance.now();
    await s.index.search({ text: question, vector, embeddingModel: s.ctx.embedder.model, topK: 24 });
    s.ms.push(performance.now() - t0);
  }
}
const fmt = (n: number) => n.toFixed(1);
console.log(`hybrid query right after each activation: ${base} scifact abstracts, ${steps} documents added one at a time, interleaved`);
for (const s of setups) {
  const stats = s.index.vectorCacheStats();
  console.log(
    `  ${s.name}: p50 ${fmt(percentile(s.ms, 50))} ms, p95 ${fmt(percentile(s.ms, 95))} ms (whole loads ${stats.reloads}, changes applied ${stats.applied})`,
  );
}
console.log(`  ratio before / now, p50: ${(percentile(setups[1].ms, 50) / percentile(setups[0].ms, 50)).toFixed(1)}x`);
for (const s of setups) {
  await s.ctx.close();
  s.data.cleanup();
}
