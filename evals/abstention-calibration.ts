import { writeFileSync } from "node:fs";
import { parseArgs } from "../cli/args";
import { PassThroughReranker } from "../shared/adapters/local/pass-through-reranker";
import { planAnswer, scoreEvidence } from "../shared/query/evidence";
import { preferNamedDocuments } from "../shared/query/named-documents";
import { lexicalCoverage } from "../shared/query/relevance";
import { retrieve } from "../shared/query/stages";
import { loadDataset } from "./datasets/loader";
import { awaitIngested } from "./run/await-ingested";
import { mapPool } from "./run/pool";
import { startLocalHost } from "./run/local-host";

// `npm run eval:abstention -- --dataset DIR_OR_NAME[,...] [--limit N] [--data DIR]`: the operating points
// of the evidence check (shared/query/evidence.ts) on dev questions. Documents go in through the real
// ingestion path; each question is retrieved as a job would be (same filters, same stages), and the
// features of every evidence unit are kept, so every threshold pair is scored without asking again.
// Prints, per pair: abstention on unanswerable questions and false abstention on answerable ones.

const { flags } = parseArgs(process.argv.slice(2));
const datasets = String(flags.dataset ?? "clapnq").split(",");
const limit = flags.limit ? Number(flags.limit) : undefined;
const minRelevance = 0.3; // RAGLINE_MIN_RELEVANCE's default, the cheap check before this one

interface Features {
  dataset: string;
  answerable: boolean;
  relevance: number;
  units: { c: number; o: number; f: number; t: boolean }[];
  /** The shipped check (strict point, the looser one for a document carrying the question's names) declined. */
  shippedAbstains: boolean;
}
const all: Features[] = [];
/** `--dump FILE`: every question's ranked sources as the evidence check sees them, for evals/abstention-train.ts. */
const dumped: {
  dataset: string;
  id: string;
  question: string;
  answerable: boolean;
  relevance: number;
  sources: { text: string; sectionPath: string[]; documentKey: string; score: number }[];
}[] = [];

for (const spec of datasets) {
  const ds = loadDataset(spec);
  const name = ds.name;
  const host = await startLocalHost({ dataDir: flags.data ? `${flags.data}-${name}` : undefined });
  try {
    const ctx = host.ctx;
    const keyOf = (fileName: string) => `evals/${name}/${fileName}`;
    if (((await ctx.catalog.counts()).indexed ?? 0) < ds.documentIds.length) {
      await mapPool(ds.documentIds, 8, async (id) => {
        const doc = ds.document(id)!;
        if (!(await ctx.objects.head(keyOf(doc.fileName)))) await ctx.objects.put(keyOf(doc.fileName), await doc.read(), { contentType: doc.contentType });
      });
      await awaitIngested(ctx, name, ds.documentIds.length, 500);
      process.stderr.write("\n");
    }
    const questions = ds.questions.slice(0, limit);
    const reranker = new PassThroughReranker();
    for (const q of questions) {
      const gold = q.relevantDocIds.map((id) => ds.document(id)).find(Boolean);
      const keyPrefix = ds.profile.scope === "document" && gold ? keyOf(gold.fileName) : `evals/${name}/`;
      const question = q.question; // already through the profile's template
      const req = { question, filters: { keyPrefix } };
      const got = await retrieve(ctx, req);
      const ranked = await reranker.rerank(question, preferNamedDocuments(question, got.chunks), ctx.config.RAGLINE_TOP_K);
      const relevance = Math.max(0, ...ranked.map((ch) => lexicalCoverage(question, ch)));
      const sources = ranked.map((ch, i) => ({ n: i, text: ch.text, sectionPath: ch.sectionPath, documentKey: ch.documentKey }));
      const units = scoreEvidence(question, sources).map((u) => ({ c: u.coverage, o: u.own, f: u.focus, t: u.typeOk, n: u.n }));
      const shippedAbstains = relevance < minRelevance || !planAnswer(question, sources).units.length;
      all.push({ dataset: name, answerable: q.answerable, relevance, units: units.slice(0, 40), shippedAbstains });
      dumped.push({
        dataset: name,
        id: q.id,
        question,
        answerable: q.answerable,
        relevance,
        sources: ranked.map((ch) => ({ text: ch.text, sectionPath: ch.sectionPath, documentKey: ch.documentKey, score: ch.score })),
      });
    }
    process.stderr.write(`${name}: ${questions.length} questions measured\n`);
  } finally {
    await host.close();
  }
}

if (typeof flags.save === "string") writeFileSync(flags.save, JSON.stringify(all));
if (typeof flags.dump === "string") writeFileSync(flags.dump, JSON.stringify(dumped));
const names = [...new Set(all.map((f) => f.dataset))];
const rows: { a: number; f: number; type: boolean; cells: Record<string, { unans?: number; falseAbst: number }>; worstFalse: number; unans: number }[] = [];
for (const type of [true, false]) {
  for (let a = 0.3; a <= 0.801; a += 0.05) {
    for (let f = 0; f <= 0.801; f += 0.1) {
      const abstains = (x: Features) => x.relevance < minRelevance || !x.units.some((u) => u.c >= a && u.f >= f && (u.t || !type));
      const cells: Record<string, { unans?: number; falseAbst: number }> = {};
      for (const n of names) {
        const qs = all.filter((x) => x.dataset === n);
        const ans = qs.filter((x) => x.answerable);
        const un = qs.filter((x) => !x.answerable);
        cells[n] = {
          unans: un.length ? un.filter(abstains).length / un.length : undefined,
          falseAbst: ans.length ? ans.filter(abstains).length / ans.length : 0,
        };
      }
      const worstFalse = Math.max(...Object.values(cells).map((c) => c.falseAbst));
      const unansCells = Object.values(cells).filter((c) => c.unans !== undefined);
      const unans = unansCells.length ? unansCells.reduce((s, c) => s + c.unans!, 0) / unansCells.length : 0;
      rows.push({ a, f, type, cells, worstFalse, unans });
    }
  }
}
const fmt = (x?: number) => (x === undefined ? "   -" : x.toFixed(2));
process.stdout.write(`operating points (best abstention on unanswerable first, among those with false abstention <= 0.10 everywhere; then the rest):\n`);
process.stdout.write(`  cover focus type  ${names.map((n) => `${n}: abstain-unans / false-abst`).join("   ")}\n`);
const ok = rows.filter((r) => r.worstFalse <= 0.1).sort((x, y) => y.unans - x.unans);
const rest = rows.filter((r) => r.worstFalse > 0.1).sort((x, y) => y.unans - y.worstFalse - (x.unans - x.worstFalse));
for (const r of [...ok.slice(0, 12), ...rest.slice(0, 8)]) {
  process.stdout.write(
    `  ${r.a.toFixed(2)}  ${r.f.toFixed(2)}  ${r.type ? "yes " : "no  "}  ${names.map((n) => `${fmt(r.cells[n].unans)} / ${fmt(r.cells[n].falseAbst)}`.padEnd(n.length + 29)).join("   ")}\n`,
  );
}
process.stdout.write("the shipped check (shared/query/evidence.ts DEFAULT_THRESHOLDS):\n");
for (const n of names) {
  const qs = all.filter((x) => x.dataset === n);
  const share = (xs: Features[]) => (xs.length ? `${xs.filter((x) => x.shippedAbstains).length}/${xs.length}` : "-");
  process.stdout.write(
    `  ${n}: abstained on unanswerable ${share(qs.filter((x) => !x.answerable))}, false abstention ${share(qs.filter((x) => x.answerable))}\n`,
  );
}
