import { contentTerms, tokens } from "../../shared/text/terms";
import { citedNumbers, stripMarkers } from "../../shared/query/citations";
import { answerSentences } from "../../shared/query/grounding";
import { isNoAnswer } from "../../shared/text/no-answer";

// Is the answer backed by what it cites? Lexical, like the pipeline's own grounding stage (content
// terms and numbers), so it catches invented facts and wrong citations, not subtle misreadings;
// an LLM judge (when configured) covers those in the verdict.

/** A citation supports its sentence when the cited text holds this share of the sentence's content terms. */
export const CITATION_SUPPORT = 0.5;
/** A sentence is faithful when its cited texts together hold this share of its content terms. */
export const SENTENCE_SUPPORT = 0.6;

export interface CitedText {
  n: number;
  text: string;
}

export interface GroundingScores {
  /** Supported (sentence, citation) pairs / all pairs; undefined when nothing is cited. */
  citationPrecision?: number;
  /** Supported sentences / answer sentences; undefined for an abstention or an empty answer. */
  faithfulness?: number;
  sentences: number;
  citationPairs: number;
}

export function support(claim: string, sourceText: string): { share: number; numbersOk: boolean } {
  const terms = [...new Set(contentTerms(claim))];
  const have = new Set(contentTerms(sourceText));
  const share = terms.length ? terms.filter((t) => have.has(t)).length / terms.length : 1;
  const sourceTokens = new Set(tokens(sourceText));
  const numbersOk = tokens(claim)
    .filter((t) => /\d/.test(t))
    .every((t) => sourceTokens.has(t));
  return { share, numbersOk };
}

export function groundingScores(answer: string, citations: readonly CitedText[]): GroundingScores {
  const byN = new Map(citations.map((c) => [c.n, c.text]));
  const sentences = answerSentences(answer).filter((s) => !isNoAnswer(stripMarkers(s)) && contentTerms(stripMarkers(s)).length > 0);
  if (!sentences.length) return { sentences: 0, citationPairs: 0 };
  let pairs = 0;
  let supportedPairs = 0;
  let faithful = 0;
  for (const s of sentences) {
    const claim = stripMarkers(s);
    const cited = citedNumbers(s).map((n) => byN.get(n));
    for (const text of cited) {
      pairs++;
      if (text === undefined) continue; // a citation to no source supports nothing
      const sup = support(claim, text);
      if (sup.share >= CITATION_SUPPORT && sup.numbersOk) supportedPairs++;
    }
    const texts = cited.filter((t): t is string => t !== undefined);
    if (!texts.length) continue;
    const sup = support(claim, texts.join(" "));
    if (sup.share >= SENTENCE_SUPPORT && sup.numbersOk) faithful++;
  }
  return {
    citationPrecision: pairs ? supportedPairs / pairs : undefined,
    faithfulness: faithful / sentences.length,
    sentences: sentences.length,
    citationPairs: pairs,
  };
}
