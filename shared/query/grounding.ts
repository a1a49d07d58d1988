import { contentTerms, tokens } from "../text/terms";
import { splitSentences } from "../text/sentences";
import type { GenerationSource } from "../ports/models";
import { citedNumbers, stripMarkers } from "./citations";
import { isNoAnswer } from "../text/no-answer";

// Grounding: every answer sentence is checked against the sources it cites. A sentence is supported
// when its cited sources contain enough of its content terms and every number it states; a sentence
// with no citation, or citing a source that does not exist, is unsupported. Lexical, so it catches
// invented facts and uncited claims, not subtle misreadings (that needs an NLI model).

export const GROUNDING_METHOD = "lexical-support-v1";

export interface SentenceCheck {
  text: string;
  cites: number[];
  /** Share of the sentence's content terms found in its cited sources. */
  support: number;
  supported: boolean;
  reason?: "no citation" | "cites a missing source" | "not in cited sources" | "number not in cited sources";
}

export interface GroundingOutput {
  sentences: SentenceCheck[];
  unsupported: string[];
}

/** Answer sentences, each with the citation markers that follow it ("... end. [2]" stays with its sentence). */
export function answerSentences(answer: string): string[] {
  const raw = splitSentences(answer.replace(/\s+/g, " ").trim());
  const out: string[] = [];
  for (const s of raw) {
    const lead = /^((?:\s*\[[\d,;\s\u2013-]+\])+)\s*(.*)$/.exec(s);
    if (lead && out.length) {
      out[out.length - 1] += ` ${lead[1].trim()}`;
      if (lead[2]) out.push(lead[2]);
    } else out.push(s);
  }
  return out.filter((s) => s.trim());
}

export function groundAnswer(answer: string, sources: GenerationSource[], minSupport: number): GroundingOutput {
  const byN = new Map(sources.map((s) => [s.n, s]));
  const sentences = answerSentences(answer).map((text): SentenceCheck => {
    const cites = citedNumbers(text);
    const claim = stripMarkers(text);
    const terms = [...new Set(contentTerms(claim))];
    if (isNoAnswer(claim)) return { text, cites, support: 1, supported: true };
    if (!cites.length)
      return terms.length ? { text, cites, support: 0, supported: false, reason: "no citation" } : { text, cites, support: 1, supported: true };
    const cited = cites.map((n) => byN.get(n));
    if (cited.some((s) => !s)) return { text, cites, support: 0, supported: false, reason: "cites a missing source" };
    const sourceText = cited.map((s) => [...(s!.sectionPath ?? []), s!.text].join(" ")).join(" ");
    const have = new Set(contentTerms(sourceText));
    const support = terms.length ? terms.filter((t) => have.has(t)).length / terms.length : 1;
    if (support < minSupport) return { text, cites, support, supported: false, reason: "not in cited sources" };
    const sourceTokens = new Set(tokens(sourceText));
    const numbers = tokens(claim).filter((t) => /\d/.test(t));
    if (numbers.some((x) => !sourceTokens.has(x))) return { text, cites, support, supported: false, reason: "number not in cited sources" };
    return { text, cites, support, supported: true };
  });
  return { sentences, unsupported: sentences.filter((s) => !s.supported).map((s) => s.text) };
}
