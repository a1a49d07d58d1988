import { STOPWORDS, tokens } from "../text/terms";
import type { Chunk } from "../domain/chunk";

// A question that names a company, issuer or period ("Netflix", "3M", "FY2018") prefers chunks of the
// documents that carry that name in their key, headings or metadata. A soft preference: the others keep
// their order behind them and are never dropped, so a name the documents do not carry changes nothing.

const QUESTION_WORDS = new Set([
  "what",
  "which",
  "who",
  "whom",
  "whose",
  "when",
  "where",
  "why",
  "how",
  "is",
  "are",
  "was",
  "were",
  "do",
  "does",
  "did",
  "in",
  "of",
  "the",
  "a",
  "an",
  "for",
  "give",
  "list",
  "according",
  "based",
]);

/** Names in a question: capitalised or all-caps words after the first, tokens mixing letters and digits, and years. */
export function namedTerms(question: string): string[] {
  const out = new Set<string>();
  const words = question.match(/[\p{L}\p{N}][\p{L}\p{N}&.'’-]*/gu) ?? [];
  // Runs of names are also joined: "Best Buy" → "bestbuy", as file names write them (BESTBUY_2023_10K.pdf).
  let run: string[] = [];
  const closeRun = () => {
    if (run.length > 1) out.add(run.join(""));
    run = [];
  };
  words.forEach((w, i) => {
    const bare = w.replace(/['’]s$/i, "").replace(/[.'’-]+$/, "");
    const lower = bare.toLowerCase();
    if (QUESTION_WORDS.has(lower) || STOPWORDS.has(lower)) return closeRun();
    const capitalised = /^\p{Lu}/u.test(bare) && i > 0;
    const mixed = /\p{L}/u.test(bare) && /\d/.test(bare);
    if (capitalised || mixed || /^\p{Lu}{2,}$/u.test(bare)) {
      const term = lower.replace(/[^\p{L}\p{N}&]/gu, "");
      out.add(term);
      if (capitalised && !mixed) run.push(term);
      else closeRun();
    } else closeRun();
    for (const y of bare.match(/(?:19|20)\d{2}/g) ?? []) out.add(y);
  });
  closeRun();
  out.delete("");
  return [...out];
}

function documentTerms(chunk: Pick<Chunk, "documentKey" | "sectionPath"> & Partial<Pick<Chunk, "metadata">>): Set<string> {
  const file = chunk.documentKey.split("/").pop() ?? chunk.documentKey;
  const meta = chunk.metadata as Record<string, unknown> | undefined;
  // The object's own metadata, and the context the chunker read from the document's cover (metadata.context).
  const context = (meta?.context ?? {}) as Record<string, unknown>;
  const extra = [meta ?? {}, context]
    .flatMap((m) =>
      ["title", "company", "issuer", "department", "form", "fiscalYear"].map((k) => (typeof m[k] === "string" || typeof m[k] === "number" ? String(m[k]) : "")),
    )
    .join(" ");
  const text = `${file.replace(/[_\-.]+/g, " ")} ${chunk.sectionPath.join(" ")} ${extra}`;
  // Split "FY2018" and "3M_2018_10K" alike into their letter/digit runs as well as whole tokens, and a quarter
  // ("AMCOR_2023Q2_10Q") into its year and its quarter, as a question writes them ("Q2 of FY2023").
  return new Set(tokens(text).flatMap((t) => [t, ...(t.match(/\d{4}/g) ?? []), ...(/\d/.test(t) ? (t.match(/q[1-4](?!\d)/g) ?? []) : [])]));
}

// A question that names a financial statement ("Using the cash flow statement, ...", "based on the balance sheet")
// is answered from that statement: its chunks (the heading or caption names it) go first among the chunks of
// the documents it names. PDF text may split words ("Cash Flow s"), so spaces are optional inside the names.
const STATEMENTS: { name: string; asked: RegExp; heading: RegExp }[] = [
  {
    name: "consolidated statements of cash flows",
    asked: /\bcash\s*flows?\s*statements?|statements?\s+of\s+cash\s*flow/i,
    heading: /statements?\s+of\s+cash\s*flow/i,
  },
  {
    name: "consolidated balance sheets",
    asked: /\bbalance\s*sheets?|statements?\s+of\s+financial\s+(position|condition)/i,
    heading: /balance\s*sheets?|statements?\s+of\s+financial\s+(position|condition)/i,
  },
  {
    name: "consolidated statements of operations income",
    asked: /\bincome\s+statements?|statements?\s+of\s+(income|operations|earnings)|\bp&l\b|profit\s+(and|&)\s+loss/i,
    heading: /income\s+statements?|statements?\s+of\s+(consolidated\s+)?(income|operations|earnings)\b/i,
  },
];

/** The statements a question names (indices into STATEMENTS). */
function statementsAsked(question: string): number[] {
  return STATEMENTS.flatMap((s, i) => (s.asked.test(question) ? [i] : []));
}

/**
 * A second search for a question that names a statement: the statement's usual heading with the question's
 * core (its instructions dropped), so the statement's own table is among the candidates even when the
 * question's wording ("capital expenditure") is not the table's ("Purchases of property and equipment").
 */
export function statementQuery(question: string, core: string): string | undefined {
  const asked = statementsAsked(question);
  if (!asked.length) return undefined;
  return `${asked.map((i) => STATEMENTS[i].name).join(" ")} ${core}`;
}

/**
 * The statement by its heading and the names the question gives (issuer, period) alone: the question's other words
 * ("capital expenditure") pull in the notes that use them and can keep a long statement out of the candidates.
 */
export function statementNameQuery(question: string, core: string): string | undefined {
  const asked = statementsAsked(question);
  if (!asked.length) return undefined;
  return `${asked.map((i) => STATEMENTS[i].name).join(" ")} ${namedTerms(core).join(" ")}`.trim();
}

type Rankable = Pick<Chunk, "documentKey" | "sectionPath" | "metadata"> & Partial<Pick<Chunk, "text">>;

/** Periods ("2023", "FY2022", "Q2", "2023Q1") are not names: a filing of another issuer carries them too. */
const PERIOD = /^(fy|q[1-4])?\d{2,4}(q[1-4])?$|^q[1-4]$/;

/**
 * The question names something (an issuer, a product; periods aside) and this chunk's document carries at
 * least half of those names (a question's capitalised common words, "Balance Sheet", are names to this
 * reader too): the passage is about what was asked, whatever words the question uses for the rest.
 */
export function carriesNamesAsked(question: string, chunk: Pick<Chunk, "documentKey" | "sectionPath"> & Partial<Pick<Chunk, "metadata">>): boolean {
  // Words as the question writes them (a joined run, "americanexpressbalancesheet", is for file names only).
  const text = question.toLowerCase();
  const names = namedTerms(question).filter((n) => !PERIOD.test(n) && text.includes(n));
  if (!names.length) return false;
  const have = documentTerms(chunk);
  return names.filter((n) => have.has(n)).length * 2 >= names.length;
}

/** The leading section of a chunk of a filing whose cover named its issuer (shared/ingest/parse/document-context.ts). */
const FILING_CONTEXT = / · Form [0-9A-Z]+-[0-9A-Z]+\b/;

/**
 * The question names an issuer (or product) and this chunk is from a filing of an issuer the question does not
 * name: none of its names (periods aside) is on the document or in the passage. Another company's statement
 * does not answer a question about Apple, however well its row labels match.
 */
export function namesAnotherIssuer(question: string, chunk: Pick<Chunk, "documentKey" | "sectionPath" | "text">): boolean {
  if (!FILING_CONTEXT.test(chunk.sectionPath[0] ?? "")) return false;
  const text = question.toLowerCase();
  const names = namedTerms(question).filter((n) => !PERIOD.test(n) && text.includes(n));
  if (!names.length) return false;
  const have = new Set([...documentTerms(chunk), ...tokens(chunk.text)]);
  return !names.some((n) => have.has(n));
}

/**
 * The question without the words that name a statement ("using the cash flow statement", "within the balance
 * sheet"): they say where to look, not what to find, and a note's sentence that mentions "the consolidated balance
 * sheets" is not the balance sheet.
 */
export function withoutStatementNames(question: string): string {
  return STATEMENTS.reduce((q, s) => q.replace(new RegExp(s.asked.source, "gi"), " "), question)
    .replace(/\s+/g, " ")
    .trim();
}

function isStatement(chunk: Rankable, asked: number[]): boolean {
  // The statement's heading (or the unit line under it: "(amounts in millions, except par value and share data)"),
  // or a caption as the chunk's first line; a sentence that mentions "the consolidated balance sheets" is no caption.
  const first = chunk.text?.split("\n", 1)[0].trim() ?? "";
  const caption = `${chunk.sectionPath.slice(-2).join(" ")} ${first.split(/\s+/).length <= 12 && !/\.$/.test(first) ? first : ""}`;
  return asked.some((i) => STATEMENTS[i].heading.test(caption));
}

/**
 * Chunks of documents naming more of the question's names first, and among those the chunks of the financial
 * statement the question names; otherwise the order is kept.
 */
export function preferNamedDocuments<T extends Rankable>(question: string, chunks: T[]): T[] {
  const names = namedTerms(question);
  const asked = statementsAsked(question);
  if ((!names.length && !asked.length) || chunks.length < 2) return chunks;
  // A document's score is the most names any of its chunks carries: a heading deeper in the document that repeats
  // a year ("Fiscal 2016 Compared With Fiscal 2015") must not put that section before the statement asked for.
  // A period ("FY2023") counts only for a document that carries one of the other names too, when the question
  // gives any: another issuer's filing of that year is not the one asked about.
  // "FY2023" and the "2023" read from it are one period, so a 10-K's "(FY2023)" does not count it twice against a
  // 10-Q that carries the quarter asked ("Q2 of FY2023": 2023 and q2).
  const proper = names.filter((n) => !PERIOD.test(n));
  const periods = [...new Set(names.filter((n) => PERIOD.test(n)).map((n) => n.replace(/^fy(?=\d{4}$)/, "")))];
  const byDocument = new Map<string, number>();
  for (const c of chunks) {
    const have = documentTerms(c);
    const properHits = proper.filter((n) => have.has(n)).length;
    const periodHits = proper.length && !properHits ? 0 : periods.filter((p) => have.has(p) || have.has(`fy${p}`)).length;
    byDocument.set(c.documentKey, Math.max(byDocument.get(c.documentKey) ?? 0, properHits + periodHits));
  }
  const scores = chunks.map((c) => byDocument.get(c.documentKey)!);
  const statement = chunks.map((c) => (asked.length && isStatement(c, asked) ? 1 : 0));
  if (scores.every((s) => s === scores[0]) && statement.every((s) => s === statement[0])) return chunks;
  return chunks
    .map((c, i) => ({ c, i, s: scores[i], t: statement[i] }))
    .sort((a, b) => b.s - a.s || b.t - a.t || a.i - b.i)
    .map((x) => x.c);
}
