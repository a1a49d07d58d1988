// Forms read by OCR: a scanned form's text comes as one run of "LABEL: value" pairs ("TO: George Baroody
// FAX NUMBER: (336) 335-7392 DATE: 12/10/98 ..."), with no sentence ends to split it, so the whole form
// was one unit and a question about one field could only be answered by quoting all of it (or not at
// all). A run with several labels is read as fields, each "LABEL: value" a unit of its own; a question
// that names a field ("the value of the field "Fax:"", "the "Date" field") is matched on the label.

/** A label word: capitalised or upper case, or a short joining word inside a label ("NUMBER OF PAGES"). */
const WORD = String.raw`(?:[A-Z][\w#&/.'’()-]*|#)`;
const JOIN = String.raw`(?:of|for|to|in|and|the|or|on|by|no\.?|#)`;
/** 1-6 words closed by a colon, starting a token: "TO:", "FAX NUMBER:", "NUMBER OF PAGES INCLUDING COVER SHEET:", "Fax:". */
const LABEL = new RegExp(String.raw`(?<![^\s_"“'‘(\[|])${WORD}(?:\s+(?:${WORD}|${JOIN})){0,5}:`, "g");
/** Where a value ends: the next label, or a short lower-case one ("cc:"). */
const NEXT_LABEL = new RegExp(`${LABEL.source}|(?<!\\S)[a-z][a-z.#/]{0,11}:`);
const JOIN_WORD = new RegExp(`^${JOIN}$`);
/** Fewer labels than this in a run is prose with a colon or two ("Note: ..."), not a form. */
const MIN_FIELDS = 3;
/** A field's value longer than this is prose under a label (a notice, a letter's body): read as sentences. */
const MAX_VALUE_WORDS = 40;

export interface FormRun {
  /** Text before the first label. */
  before: string;
  /** In order: a field ("LABEL: value") or prose that followed a label with too long a value. */
  parts: { text: string; field: boolean; empty: boolean }[];
}

/** The fields of a run of form text, or undefined when it does not read as a form. */
export function formFields(line: string): FormRun | undefined {
  const starts = [...line.matchAll(LABEL)].filter((m) => /[A-Za-z]{2}|^[A-Z]+:$/.test(m[0])).map((m) => m.index! + m[0].length - ownWords(m[0]).length);
  if (starts.length < MIN_FIELDS) return undefined;
  // An upper-case value reads as a label's first word ("MANUFACTURER: B&W FROM: ..."): a label left with no
  // value takes the next label's first word when that label has more.
  for (let i = 0; i + 1 < starts.length; i++) {
    const between = line.slice(line.indexOf(":", starts[i]) + 1, starts[i + 1]);
    const next = /^\S+\s+(?=[^:]*:)/.exec(line.slice(starts[i + 1]));
    if (!/[\p{L}\p{N}]/u.test(between) && next) starts[i + 1] += next[0].length;
  }
  const parts = starts.map((at, i) => {
    const text = tidy(line.slice(at, starts[i + 1] ?? line.length));
    const value = text.slice(text.indexOf(":") + 1).trim();
    // A label with nothing after it (a column heading of a form's grid, a blank left empty) answers nothing.
    if (!/[\p{L}\p{N}]/u.test(value)) return { text, field: false, empty: true };
    return { text, field: value.split(/\s+/).length <= MAX_VALUE_WORDS, empty: false };
  });
  return { before: line.slice(0, starts[0]).trim(), parts: parts.filter((p) => p.text) };
}

/**
 * The words of a match that are its label: those in the last word's style, upper case ("ADMIN. OFFICE Fax:" is
 * "Fax:", the tail of a letterhead before it) or capitalised with joining words ("Number of Pages:").
 */
function ownWords(match: string): string {
  const words = match.slice(0, -1).split(/\s+/);
  const upper = (w: string) => !/[a-z]/.test(w);
  const lastUpper = upper(words.at(-1)!);
  let i = words.length - 1;
  while (i > 0 && (upper(words[i - 1]) === lastUpper || (!lastUpper && JOIN_WORD.test(words[i - 1])))) i--;
  return `${words.slice(i).join(" ")}:`;
}

/** Underscores ("__(336) 335-7392", "___June Flynn") are the form's blank lines, not its text. */
const tidy = (s: string) => s.replace(/_+/g, " ").replace(/\s+/g, " ").trim();

/** The label before a field's colon. */
export const fieldLabel = (text: string) => text.slice(0, Math.max(0, text.indexOf(":")));

/**
 * How well a field's label answers to the label asked: 2 the same (case, spacing and punctuation aside: "Distribution
 * by/ to:" is "Distribution by/to:"), 1 ending with it (a form's title read into its first label: "COMPETITIVE PRODUCT
 * INTRODUCTION TO:" for "TO:"), 0 not.
 */
export function labelMatch(label: string, asked: string): 0 | 1 | 2 {
  const [a, b] = [words(label), words(asked)];
  if (!b.length) return 0;
  if (a.join("") === b.join("")) return 2;
  return a.length > b.length && a.slice(-b.length).join(" ") === b.join(" ") ? 1 : 0;
}
const words = (s: string) =>
  s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/** The field a question names by its label, quoted: `the value of the field "Fax:"`, `the "Date" field`; else undefined. */
export function fieldAsked(question: string): string | undefined {
  const m =
    /\b(?:field|box|entry|blank)\s+["“'‘]([^"”'’]{1,80})["”'’]/i.exec(question) ?? /["“'‘]([^"”'’]{1,80})["”'’]\s+(?:field|box|entry|blank)\b/i.exec(question);
  const label = m?.[1].replace(/[:\s]+$/, "").trim();
  return label || undefined;
}

/**
 * "LABEL: value" for the label asked, wherever the text has it, also where too few labels stand together to read
 * as a form (a form split over chunks, "From: Lynnette Stevens To: Kelli Scruggs cc: ...", a lower-case "cc:"):
 * the value runs to the next label, the line's end or MAX_VALUE_WORDS words. Labels left blank are skipped.
 */
export function fieldsLabelled(text: string, asked: string): string[] {
  const escaped = asked
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (!escaped[0]) return [];
  const at = new RegExp(String.raw`(?<![\p{L}\p{N}])${escaped.join(String.raw`\s*`)}\s*:`, "giu");
  const out: string[] = [];
  for (const line of text.split("\n"))
    for (const m of line.matchAll(at)) {
      const rest = line.slice(m.index! + m[0].length);
      const next = NEXT_LABEL.exec(rest);
      const value = tidy(
        (next ? rest.slice(0, next.index) : rest)
          .split(/\s+/)
          .slice(0, MAX_VALUE_WORDS + 1)
          .join(" "),
      );
      if (/[\p{L}\p{N}]/u.test(value)) out.push(`${tidy(m[0])} ${value}`);
    }
  return out;
}

/** The text holds a field with the label asked (its relevance to a question about that field is whole). */
export function holdsField(text: string, asked: string): boolean {
  return (
    fieldsLabelled(text, asked).length > 0 ||
    text.split("\n").some((line) => formFields(line.trim())?.parts.some((p) => p.field && labelMatch(fieldLabel(p.text), asked) > 0))
  );
}
