import { carriesNamesAsked, namesAnotherIssuer, withoutStatementNames } from "./named-documents";
import { answerFeatures, type FeatureName } from "./answer-features";
import { contentTerms } from "../text/terms";
import { fieldAsked, fieldLabel, fieldsLabelled, labelMatch } from "./form-fields";
import {
  answerType,
  evidenceTerms,
  holdsType,
  isShare,
  OPERATION_WORDS,
  questionCore,
  SHARE_WORDS,
  unitsOf,
  yearsIn,
  type EvidenceUnit,
  type ScoredUnit,
  type SourceWithContext,
} from "./evidence-units";

export { answerType, flatTable, holdsType, questionCore, unitsOf, type EvidenceUnit, type ScoredUnit, type SourceWithContext } from "./evidence-units";
import { ABSTENTION_MODEL } from "./abstention-model";
import { predict, type LogisticModel } from "./logistic";

// Evidence units and how well each answers the question. A unit is what an extractive answer can
// quote: a sentence, a table value line (`row — column: value`, written by the chunker) or a table row
// with its column headers. Titles and headings are not answers; they are the passage's context, so a
// question's terms split into topic terms (found in that context: "Insulin", "The Expendables 3") and
// focus terms (the rest: "produced", "filmed"). An answer needs a unit that covers the focus, not
// only the topic, and that holds the kind of thing asked for (a year for "when", a number for "how
// many", a name for "who"). Lexical: paraphrase is missed, so the thresholds are calibrated on dev
// sets (evals/abstention-calibration.ts) rather than guessed.

export interface EvidenceThresholds {
  minCoverage: number;
  minFocus: number;
  /** The answering unit must come from one of the first this-many sources (in rank order). */
  fromTopSources: number;
  /**
   * The looser point that applies when a leading source's document carries the names the question gives
   * (its issuer or product, from the key, the title or the cover's context line): the topic is settled by
   * the document, and only the rest of the question has to be found.
   */
  named?: { minCoverage: number; minFocus: number };
  /**
   * A learned check where the coverage / focus thresholds decline: the question is answered from its leading
   * sources when the model's probability that they answer it reaches `threshold` (shared/query/abstention-model.ts).
   */
  learned?: { model: LogisticModel & { features: readonly string[] }; threshold: number };
}

/**
 * The coverage / focus thresholds were calibrated with `npm run eval:abstention` on the tuning half of the dev
 * questions: answering only from the first 2 sources, minimum coverage 0.2 / 0.25 / 0.3 / 0.34 / 0.4 abstains on
 * 28 / 36 / 47 / 50 / 61 % of clapnq's unanswerable questions at 7 / 16 / 21 / 29 / 40 % false abstention on its
 * answerable ones (tatqa: 4 / 6 / 7 / 8 / 11 %). Where they decline, a learned check (abstention-model.ts, fitted by
 * evals/abstention-train.ts) answers when it is sure (p >= its threshold): out of fold on all dev questions, clapnq
 * 80 / 180 unanswerable declined at 30 / 180 answerable declined (thresholds alone: 81 at 35), tatqa 5 / 300 answerable
 * declined (20), financebench 8 / 52 (14). Alone the model sits on the thresholds' curve (AUC 0.70).
 */
export const DEFAULT_THRESHOLDS: EvidenceThresholds = {
  minCoverage: 0.3,
  minFocus: 0.2,
  fromTopSources: 2,
  named: { minCoverage: 0.2, minFocus: 0.1 },
  learned: { model: ABSTENTION_MODEL, threshold: ABSTENTION_MODEL.threshold },
};

/** How the evidence check is described in a job's `backends.relevance`. */
export const EVIDENCE_CHECK = `evidence-v3 coverage >= ${DEFAULT_THRESHOLDS.minCoverage}, focus >= ${DEFAULT_THRESHOLDS.minFocus}, answer type, else learned check p >= ${ABSTENTION_MODEL.threshold} (${ABSTENTION_MODEL.features.length} lexical features), else ${DEFAULT_THRESHOLDS.named!.minCoverage} / ${DEFAULT_THRESHOLDS.named!.minFocus} from a document carrying the names asked; top ${DEFAULT_THRESHOLDS.fromTopSources} sources`;

export function scoreEvidence(question: string, sources: readonly SourceWithContext[]): ScoredUnit[] {
  const parts = sources.map((s) => ({ ...unitsOf(s), sectionPath: s.sectionPath ?? [] }));
  // A form's field named by its label ("TO:", "FROM:": no content terms at all) is that field, wherever it is.
  const asked = fieldAsked(question);
  const fields = asked
    ? parts
        .flatMap((p) => p.units.filter((u) => u.kind === "field").map((u) => ({ u, match: labelMatch(fieldLabel(u.text), asked) })))
        .filter((f) => f.match > 0)
        .sort((a, b) => b.match - a.match) // stable: the same label in source order
        .map((f) => f.u)
    : [];
  // Where no form run holds it, the label's own "LABEL: value" in the source's text (a form split over chunks).
  const loose =
    asked && !fields.length
      ? sources.flatMap((s) => fieldsLabelled(s.text, asked).map((text): EvidenceUnit => ({ text, n: s.n, kind: "field", order: -1 })))
      : [];
  const byLabel = [...fields, ...loose].map(
    (u): ScoredUnit => ({ ...u, coverage: 1, own: 1, focus: 1, typeOk: true, score: 100, folded: { coverage: 1, focus: 1 } }),
  );
  return [...byLabel, ...scoreUnits(question, sources, parts).filter((u) => !fields.some((f) => f.n === u.n && f.order === u.order))];
}

function scoreUnits(question: string, sources: readonly SourceWithContext[], parts: Part[]): ScoredUnit[] {
  // Instructions and the statement named ("within the balance sheet") say where to look, not what to find.
  question = withoutStatementNames(questionCore(question));
  // The calibrated check (coverage, focus) reads the shared stemmer's terms, as its thresholds were fitted on them;
  // the ranking reads the folded ones (FY2023 = 2023, expense = expenses).
  const checked = termMatches(question, parts, contentTerms);
  const ranked = termMatches(question, parts, evidenceTerms);
  if (!checked || !ranked) return [];
  const type = answerType(question);
  const questionTerms = new Set(evidenceTerms(question));
  const askedYears = yearsIn(question);
  // "In which years was X provided?": the row's years are the answer, so its whole row is wanted.
  const yearsAsked = /\b(what|which) ((financial|fiscal) )?(years|periods)\b/i.test(question);
  const comparative =
    yearsAsked || /\b(larg|high|low|small|less|more than|exceed|chang|differen|respective|ratio|compar|increas|decreas|between|altogether)\w*/i.test(question);
  const asksShare = SHARE_WORDS.test(question);
  const out: ScoredUnit[] = [];
  let i = 0;
  for (const part of parts) {
    const years = rowYears(part.units);
    for (const u of part.units) {
      const { coverage, focus, own } = checked[i];
      const { hit, size } = ranked[i++];
      const typeOk = holdsType(u.text, type);
      // A table value or row for another year than the one asked is the neighbour's answer, not this one.
      const mentionsYear = /(?<!\d)(19|20)\d{2}(?!\d)/.test(u.text);
      const otherYear = askedYears.length > 0 && u.kind !== "sentence" && !askedYears.some((y) => u.text.includes(y)) && mentionsYear;
      // Several years asked ("in 2019 and 2018"): the row that holds them all beats one year's value line, and a
      // value line whose row holds the others in lines of their own is quoted with them (planAnswer), so it
      // answers as the whole row does. A line that names no year (a statement read without its column years) is
      // neither.
      const wholeRow = u.kind === "table-value" && askedYears.length > 1 && askedYears.every((y) => years.get(rowLabel(u.text))?.has(y));
      const yearShare =
        askedYears.length > 1 && u.kind !== "sentence" && mentionsYear && !wholeRow
          ? Math.max(0.3, askedYears.filter((y) => u.text.includes(y)).length / askedYears.length)
          : 1;
      // A comparison or a change ("which year was larger", "percentage change") needs the whole row, not one value.
      const rowWanted = comparative && u.kind === "table-value" && !wholeRow ? 0.5 : 1;
      // A share ("Percentage of total revenue — 2022: 93 %") answers a question about an amount only when a share is asked.
      const wrongMeasure = !asksShare && u.kind !== "sentence" && isShare(u.text) ? 0.3 : 1;
      // A row labelled with more than the question says ("Total current liabilities" for "total liabilities") is a
      // neighbouring row.
      const extraLabel = u.kind === "sentence" ? 0 : labelTerms(u).filter((t) => !questionTerms.has(t) && !OPERATION_WORDS.has(t)).length;
      const labelFit = 1 / (1 + 0.25 * extraLabel);
      const score = (hit / Math.sqrt(Math.max(8, size))) * (typeOk ? 1 : 0.5) * (otherYear ? 0.3 : yearShare) * rowWanted * wrongMeasure * labelFit;
      out.push({ ...u, coverage, own, focus, typeOk, score, folded: { coverage: ranked[i - 1].coverage, focus: ranked[i - 1].focus } });
    }
  }
  // Ties go to the better-ranked source (its place in the list, not its number: numbers are labels).
  const place = new Map(sources.map((s, i) => [s.n, i]));
  return out.sort((a, b) => b.score - a.score || place.get(a.n)! - place.get(b.n)! || a.order - b.order);
}

interface Part {
  units: EvidenceUnit[];
  context: string[];
  sectionPath: readonly string[];
}

/**
 * How each unit (in order, over all parts) matches the question's terms as `termsOf` reads them: idf-weighted
 * coverage (the unit or its passage's context), own (the unit alone), focus (the terms the context lacks), and the
 * ranking's hit (the unit's terms, its context counting half). Undefined when the question has no terms.
 */
function termMatches(question: string, parts: readonly Part[], termsOf: (text: string) => string[]) {
  const all0 = [...new Set(termsOf(question))];
  // "total assets", "total revenue": a statement's row label, not an instruction to add things up.
  const labelled = new Set(/\btotal\s+(?!amounts?\b|values?\b|number\b|sum\b|of\b)[a-z]/i.test(question) ? termsOf("total") : []);
  const about = all0.filter((t) => !OPERATION_WORDS.has(t) || labelled.has(t));
  const q = about.length ? about : all0;
  if (!q.length) return undefined;
  const split = parts.map((p) => ({
    units: p.units.map((u) => new Set(termsOf(u.text))),
    contextTerms: new Set(termsOf([...p.sectionPath, ...p.context].join(" "))),
    // The document's own name (a filing's issuer, form and period; a title): every unit of it is about that.
    documentTerms: new Set(termsOf(p.sectionPath[0] ?? "")),
  }));
  const all = split.flatMap((s) => s.units);
  if (!all.length) return undefined;
  // Rarer question terms weigh more (idf over the candidate units).
  const weight = new Map(q.map((t) => [t, Math.log(1 + (all.length + 1) / (all.filter((u) => u.has(t)).length + 0.5))]));
  const sum = (ts: readonly string[]) => ts.reduce((a, t) => a + (weight.get(t) ?? 0), 0);
  const total = sum(q);
  return split.flatMap((s) => {
    const focusTerms = q.filter((t) => !s.contextTerms.has(t));
    const focusTotal = sum(focusTerms);
    return s.units.map((terms) => {
      const inUnit = q.filter((t) => terms.has(t));
      // A unit that repeats the document's name (a cover page, a press release's opening quote) is no more about
      // it than the document's other units: for the ranking, those words count as context.
      const named = (t: string) => s.documentTerms.has(t);
      return {
        coverage: sum(q.filter((t) => terms.has(t) || s.contextTerms.has(t))) / total,
        own: sum(inUnit) / total,
        focus: focusTotal ? sum(focusTerms.filter((t) => terms.has(t))) / focusTotal : 1,
        hit: sum(inUnit.filter((t) => !named(t))) + 0.5 * sum(q.filter((t) => (!terms.has(t) || named(t)) && s.contextTerms.has(t))),
        size: terms.size,
      };
    });
  });
}

/** A table value line's row: "Effective tax rate — Year ended December 31, / 2022: 23%" → "Effective tax rate". */
export const rowLabel = (line: string) => line.slice(0, Math.max(0, line.indexOf(" — ")));

/** The words of a table unit's row label (a value line's text before " — ", a row's first cell), numbers aside. */
function labelTerms({ text, kind }: EvidenceUnit): string[] {
  const label = kind === "field" ? fieldLabel(text) : text.includes(" — ") ? rowLabel(text) : text.split(";", 1)[0];
  return evidenceTerms(label.replace(/\([^)]*\)/g, " ")).filter((t) => !/\d/.test(t));
}

/** The years each row's value lines hold, in one source. */
function rowYears(units: readonly { kind: string; text: string }[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const u of units) {
    if (u.kind !== "table-value") continue;
    const label = rowLabel(u.text);
    if (!out.has(label)) out.set(label, new Set());
    for (const y of yearsIn(u.text)) out.get(label)!.add(y);
  }
  return out;
}

/**
 * The learned check: the leading sources answer when the model says so and one of their units holds the kind of
 * answer asked and some of the question's focus (never a unit that only repeats the title). The unit quoted is the
 * best-scored of those that pass the thresholds, else the looser named point, else the best-scored of them.
 */
function learnedBest(
  question: string,
  sources: readonly SourceWithContext[],
  scored: ScoredUnit[],
  t: EvidenceThresholds,
  leading: Set<number>,
): ScoredUnit | undefined {
  const { model, threshold } = t.learned!;
  const lead = scored.filter((u) => leading.has(u.n) && u.typeOk && u.own > 0);
  if (!lead.length) return undefined;
  const f = answerFeatures(question, sources, scored, t.fromTopSources);
  if (
    predict(
      model,
      model.features.map((k) => f[k as FeatureName]),
    ) < threshold
  )
    return undefined;
  return lead.find((u) => supports(u, t)) ?? (t.named && lead.find((u) => supports(u, { ...t, ...t.named }))) ?? lead[0];
}

/** A unit good enough to answer from. */
export const supports = (u: ScoredUnit, t: EvidenceThresholds) => u.coverage >= t.minCoverage && u.focus >= t.minFocus && u.typeOk;

/** The same with folded terms: which unit answers, once the calibrated check has said that one does. */
const supportsFolded = (u: ScoredUnit, t: EvidenceThresholds) => supports(u.folded ? { ...u, ...u.folded } : u, t);

export interface AnswerPlan {
  /** Units to quote, in answer order. Empty = abstain. */
  units: ScoredUnit[];
}

/**
 * What an extractive answer says: the best supporting unit, then at most `maxExtra` more from the
 * same document's sources that also support the question (one document unless the question compares),
 * never a whole table: a table contributes its one best value line or row.
 */
export function planAnswer(question: string, sources: readonly SourceWithContext[], t: EvidenceThresholds = DEFAULT_THRESHOLDS, maxExtra = 2): AnswerPlan {
  const scored = scoreEvidence(question, sources);
  // A form's field asked by its label: the field, or a unit that matches the label's words; the learned check and
  // the names a document carries were fitted on questions in prose and would answer with any other field.
  if (fieldAsked(question)) t = { ...t, learned: undefined, named: undefined };
  // The answer must come from the best-ranked sources: looking further down finds a lucky partial match
  // for almost any question, which is how unanswerable questions got answered.
  const leading = new Set(sources.slice(0, t.fromTopSources).map((s) => s.n));
  let best = scored.find((u) => leading.has(u.n) && supports(u, t)) ?? (t.learned && learnedBest(question, sources, scored, t, leading));
  if (!best && t.named) {
    // Only units of the sources whose document carries the question's names: a leading source's document, whose
    // other retrieved chunks (the rest of a statement) may hold the line asked.
    const leadingDocs = new Set(sources.slice(0, t.fromTopSources).map((s) => s.documentKey));
    const named = new Set(
      sources
        .filter((s) => s.documentKey && leadingDocs.has(s.documentKey))
        .filter((s) => carriesNamesAsked(question, { documentKey: s.documentKey!, sectionPath: s.sectionPath ?? [] }))
        .map((s) => s.n),
    );
    const loose = { ...t, ...t.named };
    // The document settles the topic; the rest of the question is matched with folded terms (FY2024 = "fiscal 2024").
    best = scored.find((u) => named.has(u.n) && supportsFolded(u, loose));
    if (best) t = loose;
  }
  if (!best) return { units: [] };
  const docOf = (n: number) => sources.find((s) => s.n === n)?.documentKey;
  // The better-ranked document answers when it can: a unit of a lower source's other document may score
  // higher lexically, but rank order is what the retrieval and the rerank stage decided (and the rerank
  // stage put its chosen source first, so the generator, planning again, answers from the same document).
  const firstDoc = sources
    .slice(0, t.fromTopSources)
    .map((s) => s.n)
    .find((n) => scored.some((u) => u.n === n && supports(u, t)));
  if (firstDoc !== undefined && docOf(firstDoc) !== docOf(best.n)) {
    best = scored.find((u) => leading.has(u.n) && docOf(u.n) === docOf(firstDoc) && supports(u, t)) ?? best;
  }
  // The calibrated check said the question is answered; the best-scored unit of the same document's leading sources
  // that supports it with folded terms ("expenses" for "expense", "2023" for "FY2023") is the answer when it ranks higher.
  const chosen = best;
  const refined = scored.find((u) => leading.has(u.n) && docOf(u.n) === docOf(chosen.n) && supportsFolded(u, t));
  if (refined && refined.score > best.score) best = refined;
  const source = sources.find((s) => s.n === best!.n);
  if (source?.documentKey && namesAnotherIssuer(question, { documentKey: source.documentKey, sectionPath: source.sectionPath ?? [], text: source.text }))
    return { units: [] };
  const compares = /\b(compare|compared|comparison|versus|vs\.?|difference between|both|each of)\b/i.test(question);
  const extraMax = best.kind === "sentence" ? maxExtra : Math.min(1, maxExtra);
  const picked = [best];
  const seen = new Set([best.text]);
  for (const u of scored) {
    if (picked.length > extraMax) break;
    if (u === best || seen.has(u.text) || !supportsFolded(u, t) || u.score < best.score * 0.4) continue;
    if (!compares && docOf(u.n) !== docOf(best.n)) continue;
    if (u.kind !== "sentence" && picked.some((p) => p.kind !== "sentence")) continue; // one table line at most
    picked.push(u);
    seen.add(u.text);
  }
  // A value line of a question that asks several years comes with its row's lines for the other years asked.
  const askedYears = yearsIn(withoutStatementNames(questionCore(question)));
  if (best.kind === "table-value" && askedYears.length > 1) {
    const label = rowLabel(best.text);
    const years = new Set(yearsIn(best.text));
    for (const u of scored) {
      if (u.n !== best.n || u.kind !== "table-value" || rowLabel(u.text) !== label || seen.has(u.text)) continue;
      const adds = askedYears.filter((y) => !years.has(y) && u.text.includes(y));
      if (!adds.length) continue;
      for (const y of adds) years.add(y);
      picked.push(u);
      seen.add(u.text);
    }
  }
  // The best unit first (the answer, and the page its passage is cited at: a passage joined from several pages is
  // cited where its first quote stands), then the others in reading order, its source's first.
  const rank = new Map<number, number>();
  for (const u of picked) if (!rank.has(u.n)) rank.set(u.n, rank.size);
  const rest = picked.slice(1).sort((a, b) => rank.get(a.n)! - rank.get(b.n)! || a.order - b.order);
  return { units: [best, ...rest] };
}
