import type { GenerateRequest, Generator } from "../../ports/models";
import { splitSentences } from "../../text/sentences";
import { NO_ANSWER } from "../../text/no-answer";
import { contentTerms } from "../../text/terms";

// NOT a language model: it answers with the retrieved units (a sentence, or one table value line or
// row with its labels) that the core's evidence check chose (shared/query/evidence.ts: focus terms, answer
// type; passed as `quote`), each followed by its [n] citation, and says so plainly when none was chosen.

export { NO_ANSWER };

export interface ExtractiveOptions {
  /** Sentences in the answer at most (selectSentences). */
  maxSentences: number;
  /** Share of the question's (idf-weighted) terms a sentence must cover to count as relevant. */
  minCoverage: number;
}

export class ExtractiveGenerator implements Generator {
  readonly model = "extractive-v2";
  readonly backend = "local";
  readonly extractive = true;

  async *generate(req: GenerateRequest): AsyncIterable<string> {
    const units = req.quote ?? [];
    if (!units.length) {
      yield NO_ANSWER;
      return;
    }
    for (let i = 0; i < units.length; i++) {
      if (req.signal?.aborted) return;
      yield `${i ? " " : ""}${units[i].text} [${units[i].n}]`;
    }
  }
}

/** The earlier sentence picker, kept for the test suite's stand-in LLM server (test/helpers/inference-server.ts). */
export function selectSentences(req: GenerateRequest, opts: ExtractiveOptions): { text: string; n: number; coverage: number }[] {
  const q = [...new Set(contentTerms(req.question))];
  if (!q.length) return [];
  const candidates = req.sources.flatMap((s) =>
    splitSentences(s.text.replace(/\s+/g, " ")).map((text) => ({ text, n: s.n, terms: new Set(contentTerms(text)) })),
  );
  if (!candidates.length) return [];
  // Rarer question terms weigh more (idf over the candidate sentences).
  const weight = new Map(
    q.map((t) => {
      const df = candidates.filter((c) => c.terms.has(t)).length;
      return [t, Math.log(1 + (candidates.length + 1) / (df + 0.5))];
    }),
  );
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
