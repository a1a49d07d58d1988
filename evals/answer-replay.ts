import { writeFileSync } from "node:fs";
import { parseArgs } from "../cli/args";
import { assemble, citationsFor, quoteFor, rerank, retrieve } from "../shared/query/stages";
import { loadDataset } from "./datasets/loader";
import { awaitIngested } from "./run/await-ingested";
import { mapPool } from "./run/pool";
import { startLocalHost } from "./run/local-host";

// `npx tsx evals/answer-replay.ts --dataset financebench [--limit N] [--data DIR] [--out FILE]`: each question
// through the job's own stages (retrieve → rerank → assemble → the extractive quote → citations) without the
// queues, and where the gold page went: among the candidates, in the reranked top K, in the assembled sources,
// cited. For finding why an answer cites another page than the gold one; writes every question's trace as JSON.

const { flags } = parseArgs(process.argv.slice(2));
const ds = loadDataset(String(flags.dataset ?? "financebench"));
const limit = flags.limit ? Number(flags.limit) : undefined;
const host = await startLocalHost({ dataDir: typeof flags.data === "string" ? flags.data : undefined });
const keyOf = (fileName: string) => `evals/${ds.name}/${fileName}`;
const idOfKey = new Map(ds.documentIds.map((id) => [keyOf(ds.document(id)!.fileName), id]));

try {
  const ctx = host.ctx;
  if (((await ctx.catalog.counts()).indexed ?? 0) < ds.documentIds.length) {
    await mapPool(ds.documentIds, 8, async (id) => {
      const doc = ds.document(id)!;
      if (!(await ctx.objects.head(keyOf(doc.fileName)))) await ctx.objects.put(keyOf(doc.fileName), await doc.read(), { contentType: doc.contentType });
    });
    await awaitIngested(ctx, ds.name, ds.documentIds.length, 500);
  }
  const tally = { questions: 0, withGoldPages: 0, candidates: 0, top: 0, assembled: 0, cited: 0 };
  const traces: unknown[] = [];
  for (const q of ds.questions.slice(0, limit)) {
    const gold = q.relevantDocIds.map((id) => ds.document(id)).find(Boolean);
    const keyPrefix = ds.profile.scope === "document" && gold ? keyOf(gold.fileName) : `evals/${ds.name}/`;
    const req = { question: q.question, filters: { keyPrefix } };
    const onGold = (key: string, page?: number, pageEnd?: number) =>
      page !== undefined && q.evidencePages.some((g) => idOfKey.get(key) === g.docId && g.page >= page && g.page <= (pageEnd ?? page));
    const got = await retrieve(ctx, req);
    const ranked = await rerank(ctx, req, got);
    const context = await assemble(ctx, ranked, q.question);
    const quote = ranked.abstain ? [] : quoteFor(context, q.question);
    const answer = quote.map((u) => `${u.text} [${u.n}]`).join(" ");
    const citations = citationsFor(answer, context.sources);
    const t = {
      id: q.id,
      question: q.question,
      gold: q.answers,
      goldPages: q.evidencePages,
      candidates: got.chunks.map((c) => ({
        doc: idOfKey.get(c.documentKey),
        page: c.page,
        pageEnd: c.pageEnd,
        gold: onGold(c.documentKey, c.page, c.pageEnd),
      })),
      top: ranked.chunks.map((c) => ({
        doc: idOfKey.get(c.documentKey),
        page: c.page,
        gold: onGold(c.documentKey, c.page, c.pageEnd),
        head: c.text.slice(0, 160),
        text: c.text,
        sectionPath: c.sectionPath,
      })),
      sources: context.sources.map((s) => ({
        n: s.n,
        doc: idOfKey.get(s.documentKey),
        page: s.page,
        spans: s.spans?.map((x) => x.page),
        text: s.text,
        sectionPath: s.sectionPath,
      })),
      abstain: ranked.abstain,
      answer,
      cited: citations.map((c) => ({ n: c.n, doc: idOfKey.get(c.documentKey), page: c.page, gold: onGold(c.documentKey, c.page) })),
    };
    traces.push(t);
    tally.questions++;
    if (q.evidencePages.length) {
      tally.withGoldPages++;
      if (t.candidates.some((c) => c.gold)) tally.candidates++;
      if (t.top.some((c) => c.gold)) tally.top++;
      if (context.sources.some((s) => (s.spans ?? [{ page: s.page }]).some((x) => onGold(s.documentKey, x.page)))) tally.assembled++;
      if (t.cited.some((c) => c.gold)) tally.cited++;
    }
  }
  process.stdout.write(`${JSON.stringify(tally)}\n`);
  if (typeof flags.out === "string") writeFileSync(flags.out, JSON.stringify(traces, null, 1));
} finally {
  await host.close();
}
