import { parseArgs } from "../cli/args";
import { servingEmbedder } from "../shared/ingest/generations";
import {
  CANDIDATE_WEIGHTS,
  chooseWeights,
  defaultWeights,
  measureWeights,
  type FusionWeights,
  type RetrievalEvalQuestion,
} from "../shared/query/retrieval-choice";
import { loadDataset } from "./datasets/loader";
import { awaitIngested } from "./run/await-ingested";
import { mapPool } from "./run/pool";
import { startLocalHost } from "./run/local-host";

// `npm run eval:retrieval -- [--dataset scifact,clapnq] [--limit N]`: the retrieval part of the evals,
// and a check of the procedure that picks fusion weights per index (shared/query/retrieval-choice.ts).
// Documents go in through the real ingestion path (bucket → parse → embed → index); the questions are
// searched directly against the index port with the serving embedder. The dataset's questions are
// split in two (alternate questions in file order): the weights are chosen on the tuning half, exactly
// as an index's eval set would choose them, and every mode is then scored on the other, held-out half.
// Set RAGLINE_EMBEDDER etc. to measure another embedder.

const { flags } = parseArgs(process.argv.slice(2));
const datasets = String(flags.dataset ?? "scifact,clapnq").split(",");
const limit = flags.limit ? Number(flags.limit) : undefined;
const label = (w: FusionWeights) => (w.vectorWeight === 0 ? "bm25 only" : w.bm25Weight === 0 ? "vector only" : `hybrid ${w.bm25Weight}:${w.vectorWeight}`);

for (const name of datasets) {
  const ds = loadDataset(name);
  const host = await startLocalHost();
  try {
    const ctx = host.ctx;
    const t0 = performance.now();
    const keyOf = (fileName: string) => `evals/${name}/${fileName}`;
    await mapPool(ds.documentIds, 8, async (id) => {
      const doc = ds.document(id)!;
      await ctx.objects.put(keyOf(doc.fileName), await doc.read(), { contentType: doc.contentType });
    });
    await awaitIngested(ctx, name, ds.documentIds.length, 250);
    process.stderr.write(` (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);

    const asEval = (q: (typeof ds.questions)[number]): RetrievalEvalQuestion => ({
      question: q.question,
      documentKeys: q.relevantDocIds.flatMap((id) => {
        const d = ds.document(id);
        return d ? [keyOf(d.fileName)] : [];
      }),
    });
    const questions = ds.questions
      .filter((q) => q.answerable && q.relevantDocIds.length)
      .slice(0, limit)
      .map(asEval);
    const tuning = questions.filter((_, i) => i % 2 === 0);
    const heldOut = questions.filter((_, i) => i % 2 === 1);
    const embedder = await servingEmbedder(ctx);
    const k = ctx.config.RAGLINE_FUSION_K;
    const choice = await chooseWeights(ctx.index, embedder, { key: `${name} tuning half`, hash: "-", questions: tuning }, { k });
    const fallback = defaultWeights(embedder);
    const held = await measureWeights(ctx.index, embedder, heldOut, { k, candidates: CANDIDATE_WEIGHTS });
    const row = (w: FusionWeights) => held.find((m) => m.bm25Weight === w.bm25Weight && m.vectorWeight === w.vectorWeight)!;

    const out = process.stdout;
    out.write(
      `\n${name}: ${questions.length} questions (tuning ${tuning.length}, held-out ${heldOut.length}) over ${ds.documentIds.length} documents (${embedder.backend} embedder ${embedder.model})\n`,
    );
    out.write(`  held-out        recall@10  nDCG@10   tuning nDCG@10\n`);
    for (const w of CANDIDATE_WEIGHTS) {
      const tags = [
        w === CANDIDATE_WEIGHTS.find((c) => c.bm25Weight === choice.bm25Weight && c.vectorWeight === choice.vectorWeight) ? "chosen" : "",
        w.bm25Weight === fallback.bm25Weight && w.vectorWeight === fallback.vectorWeight ? "default" : "",
      ].filter(Boolean);
      const tune = choice.measured!.find((m) => m.bm25Weight === w.bm25Weight && m.vectorWeight === w.vectorWeight)!;
      out.write(
        `  ${label(w).padEnd(15)} ${row(w).recall10.toFixed(3).padStart(9)}  ${row(w).ndcg10.toFixed(3).padStart(7)}   ${tune.ndcg10.toFixed(3).padStart(7)}  ${tags.join(", ")}\n`,
      );
    }
    const chosen = row(choice);
    out.write(
      `  chosen on the tuning half: ${label(choice)}; held-out nDCG@10 ${chosen.ndcg10.toFixed(3)} vs bm25 only ${row(CANDIDATE_WEIGHTS[0]).ndcg10.toFixed(3)}, equal weights ${row({ bm25Weight: 1, vectorWeight: 1 }).ndcg10.toFixed(3)}, default ${row(fallback).ndcg10.toFixed(3)}\n`,
    );
  } finally {
    await host.close();
  }
}
