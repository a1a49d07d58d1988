import type { ParsedDocument } from "../../domain/document";

// What a document is, read from its first pages: the issuer, the form and the fiscal period of an SEC
// filing ("3M Company, Form 10-K, fiscal year ended December 31, 2018"), or the document's own title.
// A chunk taken out of page 60 no longer says whose cash-flow statement it is; this line, carried with
// every chunk (contextual retrieval), does.

export interface DocumentContext {
  title?: string;
  /** The registrant or issuer, as the cover page names it. */
  company?: string;
  /** "10-K", "10-Q", "8-K", ... */
  form?: string;
  /** As the cover page says it: "fiscal year ended December 31, 2018", "quarterly period ended July 29, 2023". */
  period?: string;
  /** The calendar year the period ends in ("FY2018" questions name it). */
  fiscalYear?: number;
}

/** Pages read for the cover: a filing's cover page, sometimes after a table-of-contents page. */
const COVER_PAGES = 3;
const TITLE_MAX_WORDS = 16;
const FORM = /\bform\s+(10-K|10-Q|8-K|20-F|40-F|6-K|S-1|DEF\s?14A)(?:\/A)?\b/i;
const PERIOD =
  /\bfor the (fiscal year|quarterly period|year|quarter|transition period) ended,?\s+((?:january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{1,2},?\s+((?:19|20)\d{2}))/i;
const REPORT_DATE =
  /\bdate of report[^:]*:\s*((?:january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{1,2},?\s+((?:19|20)\d{2}))/i;
const REGISTRANT = /\(\s*exact name of (?:the )?registrant/i;
const CORPORATE = /\b(inc|incorporated|corp|corporation|company|co|ltd|limited|plc|llc|l\.p|lp|n\.v|s\.a|ag|se|group|holdings)\.?$/i;
const BOILERPLATE = /securities|exchange|commission|washington|form\s|report|pursuant|registrant|table of contents|indicate|^\(|^none$/i;

export function documentContext(doc: Pick<ParsedDocument, "blocks" | "title" | "contentType">): DocumentContext {
  const firstPage = doc.blocks.find((b) => b.page !== undefined)?.page ?? 1;
  const cover = doc.blocks
    .filter((b) => b.kind !== "table" && (b.page === undefined ? doc.blocks.indexOf(b) < 80 : b.page < firstPage + COVER_PAGES))
    .slice(0, 200);
  const lines = cover.map((b) => b.text.replace(/\s+/g, " ").trim()).filter(Boolean);
  const text = lines.join("\n");
  const out: DocumentContext = {};

  const form = FORM.exec(text);
  if (form) out.form = form[1].toUpperCase().replace(/\s+/, " ");
  const period = PERIOD.exec(text);
  if (period) {
    out.period = `${period[1].toLowerCase()} ended ${period[2].replace(/\s+/g, " ")}`;
    out.fiscalYear = Number(period[3]);
  } else if (out.form === "8-K") {
    const date = REPORT_DATE.exec(text);
    if (date) {
      out.period = `report dated ${date[1]}`;
      out.fiscalYear = Number(date[2]);
    }
  }
  const company = registrant(lines) ?? (out.form || out.period ? corporateName(lines) : undefined);
  if (company) out.company = company;
  // A text file's "title" is its first paragraph: only formats that have a title keep it.
  const title = doc.title?.replace(/\s+/g, " ").trim();
  if (title && doc.contentType !== "text/plain" && title.split(" ").length <= TITLE_MAX_WORDS && !/^untitled$/i.test(title)) out.title = title;
  return out;
}

/** The name just above "(Exact name of registrant as specified in its charter)", in the same line or the one before. */
function registrant(lines: string[]): string | undefined {
  for (let i = 0; i < lines.length; i++) {
    const m = REGISTRANT.exec(lines[i]);
    if (!m) continue;
    const before = lines[i].slice(0, m.index).trim() || lines[i - 1] || "";
    // The cover's line may hold more than the name ("Commission File Number 1-15839 ACTIVISION BLIZZARD, INC.").
    const name = before.replace(/^.*\b(?:file )?(?:number|no\.?)\s*:?\s*[\d-]+\s*/i, "").replace(/^[_\s]+|[_\s]+$/g, "");
    if (name && name.split(" ").length <= 10) return readable(name);
  }
  return undefined;
}

/** A short cover line ending like a company name ("3M COMPANY", "Best Buy Co., Inc."). */
function corporateName(lines: string[]): string | undefined {
  const hit = lines.find((l) => l.split(" ").length <= 8 && CORPORATE.test(l.replace(/[,\s]+$/, "")) && !BOILERPLATE.test(l));
  return hit ? readable(hit) : undefined;
}

/** "ACTIVISION BLIZZARD, INC." → "Activision Blizzard, Inc."; mixed case is kept as written. */
function readable(name: string): string {
  if (name !== name.toUpperCase()) return name;
  return name
    .toLowerCase()
    .replace(/(^|[\s,(&-])(\p{L})/gu, (_, pre: string, c: string) => pre + c.toUpperCase())
    .replace(/\b(\d+)(\p{L})/gu, (_, d: string, c: string) => d + c.toUpperCase());
}

/** One line for the chunk's context: "3M Company · Form 10-K · fiscal year ended December 31, 2018 (FY2018)". */
export function contextLine(c: DocumentContext): string | undefined {
  const parts: string[] = [];
  if (c.company) parts.push(c.company);
  if (c.form) parts.push(`Form ${c.form}`);
  if (c.period) parts.push(c.fiscalYear && /fiscal year|^year/.test(c.period) ? `${c.period} (FY${c.fiscalYear})` : c.period);
  if (!parts.length && c.title) parts.push(c.title);
  return parts.length ? parts.join(" · ") : undefined;
}
