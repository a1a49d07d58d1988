import { parseArgs } from "../cli/args";
import { servingEmbedder } from "../shared/ingest/generations";
import { loadDataset } from "./datasets/loader";
import { dedupe, ndcgAtK, recallAtK } from "./metrics/retrieval";
import { mapPool } from "./run/pool";
import { startLocalHost } from "./run/local-host";

// `npm run eval:retrieval -- [--dataset scifact,clapnq] [--limit N]`: the retrieval part of the evals,
// measured three ways on the same index: BM25 only, vector only, and hybrid (reciprocal rank fusion).
// Documents go in through the real ingestion path (bucket → parse → embed → index); the questions are
// searched directly against the index port with the serving embedder, so each mode sees the same data.

const { flags } = parseArgs(process.argv.slice(2));
// Hybrid with the configured fusion weights, plus any extra "bm25:vector" weight pairs to compare (--weights 1:0.5,1:0.25).
const MODES: Record<string, { bm25Weight: number; vectorWeight: number }> = {
  bm25: { bm25Weight: 1, vectorWeight: 0 }, vector: { bm25Weight: 0, vectorWeight: 1 }, "hybrid 1:1": { bm25Weight: 1, vectorWeight: 1 },
  ...Object.fromEntries(String(flags.weights ?? "").split(",").filter(Boolean).map((w) => {
    const [b, v] = w.split(":").map(Number);
    return [`hybrid ${b}:${v}`, { bm25Weight: b, vectorWeight: v }];
  })),
};
const datasets = String(flags.dataset ?? "scifact,clapnq").split(",");
const limit = flags.limit ? Number(flags.limit) : undefined;

for (const name of datasets) {
  const ds = loadDataset(name);
  const questions = ds.questions.filter((q) => q.answerable && q.relevantDocIds.length).slice(0, limit);
  const host = await startLocalHost();
  try {
    const ctx = host.ctx;
    const t0 = performance.now();
    const idOf = new Map<string, string>();
    await mapPool(ds.documentIds, 8, async (id) => {
      const doc = ds.document(id)!;
      const key = `evals/${name}/${doc.fileName}`;
      idOf.set(key, id);
      await ctx.objects.put(key, await doc.read(), { contentType: doc.contentType });
    });
    for (;;) {
      const c = await ctx.catalog.counts();
      const settled = (c.indexed ?? 0) + (c.failed ?? 0) + (c.duplicate ?? 0);
      process.stderr.write(`\r${name}: ${settled}/${ds.documentIds.length} documents ingested`);
      if (settled >= ds.documentIds.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    process.stderr.write(` (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);

    const embedder = await servingEmbedder(ctx);
    const modes = { ...MODES, "hybrid (config)": { bm25Weight: ctx.config.RAGLINE_FUSION_BM25_WEIGHT, vectorWeight: ctx.config.RAGLINE_FUSION_VECTOR_WEIGHT } };
    const scores: Record<string, { recall: number; ndcg: number }> = {};
    for (const [mode, fusion] of Object.entries(modes)) {
      let recall = 0;
      let ndcg = 0;
      for (const q of questions) {
        const [vector] = await embedder.embed([q.question], "query");
        const hits = await ctx.index.search({ text: q.question, vector, embeddingModel: embedder.model, topK: 50, fusion: { ...fusion, k: ctx.config.RAGLINE_FUSION_K } });
        const ranked = dedupe(hits.filter((h) => h.score > 0).map((h) => idOf.get(h.documentKey) ?? h.documentKey));
        recall += recallAtK(ranked, q.relevantDocIds, 10);
        ndcg += ndcgAtK(ranked, q.relevantDocIds, 10);
      }
      scores[mode] = { recall: recall / questions.length, ndcg: ndcg / questions.length };
    }
    process.stdout.write(`\n${name}: ${questions.length} questions over ${ds.documentIds.length} documents (${ctx.embedder.backend} embedder ${embedder.model})\n`);
    process.stdout.write(`  mode           recall@10  nDCG@10\n`);
    for (const [mode, s] of Object.entries(scores)) process.stdout.write(`  ${mode.padEnd(14)} ${s.recall.toFixed(3).padStart(9)}  ${s.ndcg.toFixed(3).padStart(7)}\n`);
  } finally {
    await host.close();
  }
}
