import { contentTerms, tokens } from "../text/terms";
import { answerType, holdsType, questionCore, unitsOf, type ScoredUnit, type SourceWithContext } from "./evidence-units";
import { namedTerms } from "./named-documents";

// What a learned abstention check reads about a question and its leading sources: how well the best
// evidence unit matches the question (idf-weighted coverage, the focus terms, adjacent word pairs, the
// names and numbers asked) and whether the kind of answer asked sits next to the matched words. Each
// feature is in [0, 1]; the weights over them are fitted on dev questions (evals/abstention-train.ts).

export const FEATURE_NAMES = [
  "coverage",
  "focus",
  "own",
  "coverFocusTyped",
  "pairs",
  "names",
  "typeNear",
  "asksType",
  "chunkCoverage",
  "concentration",
  "rivalDocument",
  "anywhere",
  "wellFormed",
  "questionLength",
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Adjacent content-term pairs of a text ("final scene", "scene expendable"), stemmed. */
function pairs(text: string): Set<string> {
  const t = contentTerms(text);
  const out = new Set<string>();
  for (let i = 0; i + 1 < t.length; i++) out.add(`${t[i]} ${t[i + 1]}`);
  return out;
}

/** Words that can be the answer for a type: a year or month, a number, a capitalised word after the first. */
function typedPositions(words: string[], type: ReturnType<typeof answerType>): number[] {
  const typed = (w: string, i: number) => (type === "name" || type === "place" ? i > 0 && /^\(?\p{Lu}/u.test(w) : holdsType(w, type));
  return words.flatMap((w, i) => (typed(w, i) ? [i] : []));
}

/**
 * The unit holds a word of the asked type within 6 words of a question term it matches (the answer is said
 * about what was asked, not elsewhere in the sentence). 1 when the question asks for no particular kind.
 */
function typeNearMatch(question: string, text: string, type: ReturnType<typeof answerType>): number {
  if (type === "any") return 1;
  const q = new Set(contentTerms(question));
  const qWords = new Set(tokens(question));
  const words = text.split(/\s+/).filter(Boolean);
  const matched = words.map((w, i) => (contentTerms(w).some((t) => q.has(t)) ? i : -1)).filter((i) => i >= 0);
  // Only a typed word the question does not already contain can be the answer.
  const typed = typedPositions(words, type).filter((i) => !tokens(words[i]).every((t) => qWords.has(t)));
  return typed.some((i) => matched.some((j) => Math.abs(i - j) <= 6)) ? 1 : 0;
}

/**
 * Features of a question against its leading sources (the first `fromTopSources`), from the units the
 * evidence check scored. The best unit is the one that covers most of the question and its focus.
 */
export function answerFeatures(
  question: string,
  sources: readonly SourceWithContext[],
  scored: readonly ScoredUnit[],
  fromTopSources: number,
): Record<FeatureName, number> {
  const core = questionCore(question);
  const type = answerType(core);
  const leading = sources.slice(0, fromTopSources);
  const units = scored.filter((u) => leading.some((s) => s.n === u.n));
  const best = units.reduce<ScoredUnit | undefined>(
    (a, u) => (!a || u.coverage + u.focus + (u.typeOk ? 0.2 : 0) > a.coverage + a.focus + (a.typeOk ? 0.2 : 0) ? u : a),
    undefined,
  );
  const qPairs = pairs(core);
  const pairShare = (text: string) => (qPairs.size ? [...pairs(text)].filter((p) => qPairs.has(p)).length / qPairs.size : 0);
  const names = namedTerms(core).filter((n) => core.toLowerCase().includes(n));
  const bestSource = best && leading.find((s) => s.n === best.n);
  const sourceTokens = new Set(bestSource ? tokens([...(bestSource.sectionPath ?? []), bestSource.text].join(" ")) : []);
  const q = [...new Set(contentTerms(core))];
  const share = (terms: string[], have: Set<string>) => (terms.length ? terms.filter((t) => have.has(t)).length / terms.length : 0);
  const chunkCoverage = Math.max(
    0,
    ...leading.map((s) => share(q, new Set(contentTerms([...(s.sectionPath ?? []), ...unitsOf(s).context, s.text].join(" "))))),
  );
  return {
    coverage: best?.coverage ?? 0,
    focus: best?.focus ?? 0,
    own: Math.max(0, ...units.map((u) => u.own)),
    coverFocusTyped: Math.max(0, ...units.filter((u) => u.typeOk).map((u) => Math.min(u.coverage, u.focus))),
    pairs: Math.max(0, ...units.map((u) => pairShare(u.text))),
    names: names.length ? names.filter((n) => sourceTokens.has(n)).length / names.length : 1,
    typeNear: Math.max(0, ...units.map((u) => typeNearMatch(core, u.text, type))),
    asksType: type === "any" ? 0 : 1,
    chunkCoverage,
    // The matched words sit in one unit rather than spread over the passage.
    concentration: chunkCoverage ? Math.min(1, Math.max(0, ...units.map((u) => u.own)) / chunkCoverage) : 0,
    // Another document (further down) matches the question as well as the leading one: the topic is unsettled.
    rivalDocument: rival(sources, scored),
    // A question word found in none of the sources ("... hindi", "... age rating") is what the passages lack.
    anywhere: share(q, new Set(contentTerms(sources.map((s) => [...(s.sectionPath ?? []), s.text].join(" ")).join(" ")))),
    // A search phrase ("lego dc comics the flash age rating") rather than a question: often asks what no passage says.
    wellFormed:
      /^(what|who|whom|whose|when|where|why|how|which|is|are|was|were|do|does|did|can|could|should|will|would|has|have|had|name|list|give|tell|describe|explain|in what|in which)\b/i.test(
        core.trim(),
      )
        ? 1
        : 0,
    questionLength: Math.min(1, q.length / 12),
  };
}

/** How far the best unit of another document than the first source's comes to the first document's best (0..1). */
function rival(sources: readonly SourceWithContext[], scored: readonly ScoredUnit[]): number {
  const doc = (n: number) => sources.find((s) => s.n === n)?.documentKey;
  const firstDoc = sources[0] && doc(sources[0].n);
  let mine = 0;
  let other = 0;
  for (const u of scored) {
    if (doc(u.n) === firstDoc) mine = Math.max(mine, u.coverage);
    else other = Math.max(other, u.coverage);
  }
  return mine ? Math.min(1, other / mine) : 1;
}
