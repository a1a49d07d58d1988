import { contentTerms } from "../text/terms";
import { splitSentences } from "../text/sentences";
import type { GenerationSource } from "../ports/models";
import { columnHeaders, promoteHeaderRows, tableFacts } from "../ingest/chunk/table-facts";
import { fieldAsked, formFields } from "./form-fields";

// The units an extractive answer can quote (a sentence, a table value line `row — column: value`, a table row
// with its headers), the kind of answer a question asks for, and the question without its instructions: what
// both the evidence check (evidence.ts) and the learned check's features (answer-features.ts) read.

export interface EvidenceUnit {
  text: string;
  /** The source's number in the assembled context. */
  n: number;
  /** `field`: a form's "LABEL: value" (form-fields.ts). */
  kind: "sentence" | "table-value" | "table-row" | "field";
  /** Order within the source (for reading order). */
  order: number;
}

export interface ScoredUnit extends EvidenceUnit {
  /** idf-weighted share of the question's terms in the unit or its passage's context. */
  coverage: number;
  /** idf-weighted share of the question's terms in the unit itself. */
  own: number;
  /** idf-weighted share of the focus terms (not in the context) in the unit itself; 1 without focus terms. */
  focus: number;
  /** The unit holds the kind of answer the question asks for (true when the question asks for no kind). */
  typeOk: boolean;
  score: number;
  /** Coverage and focus with folded terms (evidenceTerms): which unit answers, not whether one does. */
  folded?: { coverage: number; focus: number };
}

export const TITLE_MAX_WORDS = 14;
/** A caption's closing unit: "(in thousands)", "(Millions)", "(in millions, except per share data)". */
const UNIT_SUFFIX = /\s*\((?:[^()]*\b(?:thousands|millions|billions|except|dollars|amounts)\b[^()]*)\)\s*$/i;

/**
 * Content terms as the evidence check matches them: the shared light stemmer, then what it leaves apart
 * ("expense" / "expens" from "expenses", "cyclicality" / "cyclical"), and a fiscal year as its year ("FY2023" is
 * the "2023" of a statement's column and of "fiscal 2023").
 */
export function evidenceTerms(text: string): string[] {
  return contentTerms(FINANCIAL_NAMES.reduce((t, [name, as]) => t.replace(name, ` ${as} `), text)).map(foldTerm);
}

/** A statement's line and the name a question gives it: "capital expenditure" is "purchases of property and equipment". */
const FINANCIAL_NAMES: [RegExp, string][] = [
  [/\b(capital expenditures?|capex|(purchases?|additions?|payments?)( of| to| for) property,?( plant,?)? (and|&) equipment)\b/gi, "capex"],
  [/\b(cost of (goods )?sold|cost of sales|cost of revenues?)\b/gi, "costofsales"],
  [/\b(depreciation (and|&) amortization|d&a)\b/gi, "depreciationamortization"],
];

function foldTerm(t: string): string {
  const fy = /^fy((?:19|20)\d{2})$/.exec(t);
  if (fy) return fy[1];
  if (t.length <= 3 || /\d/.test(t)) return t;
  return t
    .replace(/ality$/, "al")
    .replace(/ical$/, "ic")
    .replace(/e$/, "");
}

/** The years a question asks about, "FY2023" and "2023Q1" included. */
export const yearsIn = (text: string) => [...new Set(text.match(/(?<!\d)(?:19|20)\d{2}(?!\d)/g) ?? [])];
export const isTableRow = (line: string) => /^\|.*\|$/.test(line.trim());
export const isSeparatorRow = (line: string) => /^\|[\s|:-]+\|$/.test(line.trim());
export const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, "")
    .split(/(?<!\\)\|/)
    .map((c) => c.replace(/\\\|/g, "|").trim());
export const TABLE_VALUE = /^.+ — .+: .+$/;

/** Splits a source into answer units and context lines (titles, headings, table titles). */
export function unitsOf(source: Pick<GenerationSource, "n" | "text">): { units: EvidenceUnit[]; context: string[] } {
  const units: EvidenceUnit[] = [];
  const context: string[] = [];
  let header: string[] | undefined;
  const push = (text: string, kind: EvidenceUnit["kind"]) => units.push({ text, n: source.n, kind, order: units.length });
  const prose = (text: string) => {
    let sentences = splitSentences(text.replace(/\s+/g, " ").trim()).filter(Boolean);
    if (!sentences.length) return;
    // A short line with no sentence end is a title or heading: context, not an answer. So is a caption numbered
    // ("Note 13. Segment ... Information") or closed by its unit ("STATEMENTS OF CASH FLOWS (in thousands)").
    const line = sentences.join(" ").replace(UNIT_SUFFIX, "");
    if (!/[.!?:;"”)]$/.test(line) && line.split(/\s+/).length <= TITLE_MAX_WORDS) return void context.push(sentences.join(" "));
    const title = repeatedTitle(sentences[0]);
    if (title) {
      context.push(title);
      sentences = [sentences[0].slice(title.length).trim(), ...sentences.slice(1)];
    }
    for (const s of sentences) push(s, "sentence");
  };
  for (const raw of source.text.split("\n")) {
    const line = raw.trim();
    if (!line) {
      header = undefined;
      continue;
    }
    // A separator row is never a unit, even where it does not follow the header (a PDF table read with
    // two header rows); it also looks like a flattened table to the test below.
    if (isSeparatorRow(line)) continue;
    if (isTableRow(line) && !FLAT_SEPARATOR.test(line.slice(1, -1).replace(/^[^|]*\|/, ""))) {
      const row = cells(line);
      if (!header) {
        header = row;
        context.push(row.join(" "));
        continue;
      }
      const labelled = row.map((c, i) => (c && header![i] && i > 0 ? `${header![i]}: ${c}` : c)).filter(Boolean);
      if (labelled.length) push(labelled.join("; "), "table-row");
      continue;
    }
    header = undefined;
    if (TABLE_VALUE.test(line) && line.split(/\s+/).length <= 40) {
      push(line, "table-value");
      continue;
    }
    const flat = flatTable(line);
    if (flat) {
      prose(flat.before);
      context.push(...flat.context);
      for (const r of flat.rows) push(r, "table-row");
      for (const v of flat.values) push(v, "table-value");
      prose(flat.after);
      continue;
    }
    const form = formFields(line);
    if (form) {
      prose(form.before);
      // A blank left empty is neither an answer nor context (as context it would make its label the topic of every field).
      for (const p of form.parts) if (!p.empty) p.field ? push(p.text, "field") : prose(p.text);
      continue;
    }
    prose(line);
  }
  return { units, context };
}

/** "Insulin Insulin ( from Latin ..." — a title glued to the sentence that repeats it. */
export function repeatedTitle(sentence: string): string | undefined {
  const words = sentence.split(/\s+/);
  for (let k = Math.min(8, Math.floor(words.length / 2)); k >= 1; k--) {
    const a = words.slice(0, k).join(" ");
    const b = words.slice(k, 2 * k).join(" ");
    if (a.toLowerCase() === b.toLowerCase() && /^\p{Lu}/u.test(a)) return a;
  }
  return undefined;
}

export const FLAT_SEPARATOR = /\|(\s*:?-{3,}:?\s*\|){2,}/;

/**
 * A markdown table flattened onto one line (a text file's table, its rows joined by spaces): the
 * separator row gives the column count, which cuts the cells back into rows. Each body row becomes a
 * unit with its column headers, and each numeric cell a `row — column: value` line.
 */
export function flatTable(line: string): { before: string; after: string; context: string[]; rows: string[]; values: string[] } | undefined {
  const sep = FLAT_SEPARATOR.exec(line);
  if (!sep) return undefined;
  const cols = (sep[0].match(/-{3,}/g) ?? []).length;
  const start = line.indexOf("|");
  const end = line.lastIndexOf("|");
  const bodyFrom = sep.index + sep[0].length;
  if (start < 0 || end < bodyFrom) return undefined;
  const group = (segment: string) => {
    const parts = segment
      .trim()
      .replace(/^\|/, "")
      .replace(/\|$/, "")
      .split("|")
      .map((c) => c.trim());
    const rows: string[][] = [];
    // Rows of `cols` cells, each followed by the empty piece between "| |" of two joined rows.
    for (let i = 0; i + cols <= parts.length; i += cols + 1) rows.push(parts.slice(i, i + cols));
    return rows;
  };
  // The chunker's own reading of a table: header rows promoted, `row — column: value` lines for numbers.
  const table = promoteHeaderRows({ header: group(line.slice(start, sep.index + 1)), rows: group(line.slice(bodyFrom, end + 1)) });
  const headers = columnHeaders(table);
  const rows = table.rows
    .map((r) => r.map((c, i) => (c && i > 0 && headers[i] ? `${headers[i]}: ${c}` : c)).filter(Boolean))
    .filter((r) => r.length > 1)
    .map((r) => r.join("; "));
  const values = (tableFacts(table) ?? []).flat();
  return { before: line.slice(0, start), after: line.slice(end + 1), context: headers.filter(Boolean), rows, values };
}

// ---- what the question asks for ------------------------------------------------------------

export type AnswerType = "time" | "number" | "name" | "place" | "any";

export function answerType(question: string): AnswerType {
  const q = question.toLowerCase().trim();
  if (/^(when|what year|which year|what date|in what year|since when)\b/.test(q) || /\b(what|which) (year|date|day|month|decade|century)\b/.test(q))
    return "time";
  if (
    /^how (many|much|long|old|far|big|tall|large)\b/.test(q) ||
    /\b(what|which) (is|was|were|are) the (number|amount|percentage|total|value|ratio|rate|cost|price)\b/.test(q)
  )
    return "number";
  if (/^who\b/.test(q) || /\bwho (is|was|were|are|has|had|did|does|plays|played|sang|sings|wrote)\b/.test(q)) return "name";
  if (/^where\b/.test(q)) return "place";
  return "any";
}

/** A date in figures, as forms write them: "12/10/98", "3-14-2001", "2-Dec-97". */
const NUMERIC_DATE = /\b\d{1,2}[/-](\d{1,2}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[/-](\d{2}|\d{4})\b/i;

export const MONTH = /\b(january|february|march|april|may|june|july|august|september|october|november|december)\b/i;

/**
 * The unit holds the kind of answer asked for: a year, decade or month for "when", a number for "how many",
 * a capitalised word after the first for "who" and "where". Stricter forms (a name or place the question
 * does not already give) abstained on more unanswerable questions but doubled false abstention on
 * held-out clapnq (20 vs 10 of 90), so this lenient one is kept.
 */
export function holdsType(text: string, type: AnswerType): boolean {
  switch (type) {
    case "time":
      return /\b1\d{3}\b|\b20\d{2}\b|\b\d{1,4}s\b|\bcentury\b/i.test(text) || MONTH.test(text) || NUMERIC_DATE.test(text);
    case "number":
      return (
        /\d/.test(text) ||
        /\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|dozen|half|several|few|single|double|twice)\b/i.test(
          text,
        )
      );
    case "name":
    case "place":
      return /\S\s+(?:\(?)[A-Z][\p{L}'’.-]+/u.test(text);
    default:
      return true;
  }
}

// ---- scoring -------------------------------------------------------------------------------

/** A question about a share, a rate or a change, not an amount. */
export const SHARE_WORDS = /%|\b(percent\w*|share|proportion|margin|ratio|rate|growth|chang\w*|increas\w*|decreas\w*|yield|return)\b/i;

/** A table line whose value is a share: "Percentage of ..." / "% of ..." rows, or values given in percent. */
export const isShare = (text: string) => /^(percentage|percent|%) of\b/i.test(text.trim()) || /\d\s*%(?!\w)/.test(text);

export interface SourceWithContext extends Pick<GenerationSource, "n" | "text" | "sectionPath"> {
  documentKey?: string;
}

/** Every unit of every source, scored against the question, best first. */
/**
 * Words that say what to do with the evidence, not what it is about ("largest", "percentage change", "in
 * which year"): a table row never contains them, so they do not count toward coverage.
 */
const OPERATION_LIST =
  "amount amounts value values total year years fy respective respectively largest larger highest higher lowest lower smallest smaller " +
  "less more exceed exceeded change changes percentage percent difference average ratio increase increased decrease decreased " +
  "nominal altogether sum between compared period periods";
/** As the shared stemmer and the evidence fold write them. */
export const OPERATION_WORDS = new Set([...contentTerms(OPERATION_LIST), ...evidenceTerms(OPERATION_LIST)]);

/**
 * The question without instructions about the answer's form ("Answer in USD millions.", "(round to one decimal
 * place)", "If X is not a useful metric, then state that"): they are not in any document, and counting their
 * words made every such question look unsupported.
 */
export function questionCore(question: string): string {
  // "What is the value of the field "Fax:" on this form?": the label is what to find; the rest says where.
  const field = fieldAsked(question);
  if (field) return field;
  let q = question.replace(/\(([^)]*\b(round|units?|usd|millions?|billions?|percent|decimal)\b[^)]*)\)/gi, " ");
  const lead = /^[^?]{0,240}\b(answer the following question|here'?s the question|here is the question|the question is)[^:]*:\s*/i.exec(q);
  if (lead) q = q.slice(lead[0].length);
  // "In agreement with the information outlined in the income statement, what is ...": where to look, not what
  // (a clause with a number, "Using 2019 figures, ...", says what and stays).
  q = q.replace(
    /^\s*(in agreement with|in line with|using|based on|according to|relying on|referring to|by relying on)\b[^,?\d]{0,120},\s*(?=(what|how|which|who|when|where|is|are|was|were|did|does|do|has|have)\b)/i,
    "",
  );
  const sentences = splitSentences(q.replace(/\s+/g, " ").trim());
  const instruction =
    /^(please|answer|give|provide|respond|round|calculate|compute|base|using|use|rely|assume|express|report|show|state|explain|if\b.*\bthen\b)/i;
  const kept = sentences.filter((s, i) => i === 0 || !instruction.test(s));
  return kept.join(" ") || question;
}
