import { basename } from "node:path";
import type { ParsedDocument } from "../../domain/document";
import { DocumentError } from "../../domain/errors";
import { decodeText } from "./encoding";
import type { ParseEnv, ParseInput, Parser } from "./types";

// CSV/TSV: one table block whose first row is the header; the chunker splits it by rows and repeats the header.

export const csvParser: Parser = {
  types: ["text/csv", "text/tab-separated-values"],
  async parse({ key, body }: ParseInput, { limits }: ParseEnv): Promise<ParsedDocument> {
    const { text, encoding } = decodeText(body);
    const delimiter = sniffDelimiter(text);
    const rows = parseDelimited(text.replace(/^\uFEFF/, ""), delimiter, limits.maxCells).filter((r) => r.some((c) => c.trim()));
    if (!rows.length) throw new DocumentError("no_text", "the CSV file has no rows");
    const width = Math.max(...rows.map((r) => r.length));
    const padded = rows.map((r) => [...r.map((c) => c.trim()), ...Array(width - r.length).fill("")]);
    const [header, ...body_] = padded;
    const title = basename(key);
    return {
      contentType: delimiter === "\t" ? "text/tab-separated-values" : "text/csv",
      title,
      blocks: [{ kind: "table", text: padded.map((r) => r.join(" | ")).join("\n"), table: { header: [header], rows: body_, title } }],
      metadata: { encoding, rows: String(body_.length), columns: String(width) },
    };
  },
};

/** The delimiter that splits the first lines into the most equal, non-trivial number of fields. */
export function sniffDelimiter(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim()).slice(0, 20);
  let best = ",";
  let bestScore = 0;
  for (const d of [",", ";", "\t", "|"]) {
    const counts = lines.map((l) => parseDelimited(l, d)[0]?.length ?? 0);
    const fields = counts[0] ?? 0;
    if (fields < 2) continue;
    const consistent = counts.filter((c) => c === fields).length / counts.length;
    const score = consistent * fields;
    if (score > bestScore) { best = d; bestScore = score; }
  }
  return best;
}

/** RFC 4180: quoted fields may hold delimiters, doubled quotes and line breaks. */
export function parseDelimited(text: string, delimiter: string, maxCells = Infinity): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let cells = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.trim() === "") { quoted = true; field = ""; }
    else if (ch === delimiter) { row.push(field); field = ""; }
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      cells += row.length;
      if (cells > maxCells) throw new DocumentError("too_large", `the table has more than ${maxCells} cells`);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}
