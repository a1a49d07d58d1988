import type { GenerateRequest, Generator } from "../../ports/models";
import { splitSentences } from "../../ingest/chunk/sentences";
import { NO_ANSWER } from "../../query/no-answer";
import { contentTerms } from "./text-features";

// NOT a language model: it answers with the retrieved sentences that best match the question,
// each followed by its [n] citation, and says so plainly when no source sentence matches enough.

export { NO_ANSWER };

export interface ExtractiveOptions {
  /** Sentences in the answer at most. */
  maxSentences: number;
  /** Share of the question's (idf-weighted) terms a sentence must cover to count as relevant. */
  minCoverage: number;
}

export class ExtractiveGenerator implements Generator {
  readonly model = "extractive-v1";
  readonly backend = "local";
  constructor(private readonly opts: ExtractiveOptions = { maxSentences: 3, minCoverage: 0.34 }) {}

  async *generate(req: GenerateRequest): AsyncIterable<string> {
    const picked = selectSentences(req, this.opts);
    if (!picked.length) {
      yield NO_ANSWER;
      return;
    }
    for (let i = 0; i < picked.length; i++) {
      if (req.signal?.aborted) return;
      yield `${i ? " " : ""}${picked[i].text} [${picked[i].n}]`;
    }
  }
}

export function selectSentences(req: GenerateRequest, opts: ExtractiveOptions): { text: string; n: number; coverage: number }[] {
  const q = [...new Set(contentTerms(req.question))];
  if (!q.length) return [];
  const candidates = req.sources.flatMap((s) => splitSentences(s.text.replace(/\s+/g, " ")).map((text) => ({ text, n: s.n, terms: new Set(contentTerms(text)) })));
  if (!candidates.length) return [];
  // Rarer question terms weigh more (idf over the candidate sentences).
  const weight = new Map(q.map((t) => {
    const df = candidates.filter((c) => c.terms.has(t)).length;
    return [t, Math.log(1 + (candidates.length + 1) / (df + 0.5))];
  }));
  const total = [...weight.values()].reduce((a, b) => a + b, 0);
  const scored = candidates.map((c, order) => {
    const hit = q.reduce((s, t) => s + (c.terms.has(t) ? weight.get(t)! : 0), 0);
    return { ...c, order, coverage: hit / total, score: hit / Math.sqrt(Math.max(8, c.terms.size)) };
  });
  const best = scored.filter((c) => c.coverage >= opts.minCoverage).sort((a, b) => b.score - a.score);
  const seen = new Set<string>();
  const chosen = best.filter((c) => !seen.has(c.text) && seen.add(c.text)).slice(0, opts.maxSentences);
  return chosen.sort((a, b) => a.n - b.n || a.order - b.order).map(({ text, n, coverage }) => ({ text, n, coverage }));
}
