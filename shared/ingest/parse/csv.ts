import { basename } from "node:path";
import { CsvError, type Options, parse } from "csv-parse/sync";
import type { ParsedDocument } from "../../domain/document";
import { DocumentError } from "../../domain/errors";
import { decodeText } from "./encoding";
import type { ParseEnv, ParseInput, Parser } from "./types";

// CSV/TSV: one table block whose first row is the header; the chunker splits it by rows and repeats the header.
// csv-parse reads the fields; the delimiter is sniffed here (csv-parse takes it as given).

export const csvParser: Parser = {
  types: ["text/csv", "text/tab-separated-values"],
  async parse({ key, body }: ParseInput, { limits }: ParseEnv): Promise<ParsedDocument> {
    const { text, encoding } = decodeText(body);
    const delimiter = sniffDelimiter(text);
    const rows = parseDelimited(text, delimiter, limits.maxCells).filter((r) => r.some((c) => c.trim()));
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

/** The delimiter that splits the first records into the most equal, non-trivial number of fields. */
export function sniffDelimiter(text: string): string {
  const head = text.slice(0, 64 * 1024);
  let best = ",";
  let bestScore = 0;
  for (const d of [",", ";", "\t", "|"]) {
    const counts = fieldCounts(head, d);
    const fields = counts[0] ?? 0;
    if (fields < 2) continue;
    const consistent = counts.filter((c) => c === fields).length / counts.length;
    const score = consistent * fields;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/**
 * RFC 4180 as spreadsheets write it: quoted fields may hold delimiters, doubled quotes and line breaks;
 * a quote inside an unquoted field is a character; rows may differ in length; a BOM is dropped. A quote
 * left open at the end is `corrupt_document`, more than `maxCells` cells `too_large` (counted as rows arrive).
 */
export function parseDelimited(text: string, delimiter: string, maxCells = Infinity): string[][] {
  let cells = 0;
  try {
    return parse(text, {
      ...READ_AS_SPREADSHEETS_WRITE,
      delimiter,
      on_record: (row: string[]) => {
        cells += row.length;
        if (cells > maxCells) throw new DocumentError("too_large", `the table has more than ${maxCells} cells`);
        return row;
      },
    });
  } catch (err) {
    if (err instanceof CsvError) throw new DocumentError("corrupt_document", `the CSV file cannot be read: ${err.message}`, err);
    throw err;
  }
}

const READ_AS_SPREADSHEETS_WRITE: Options = {
  bom: true,
  relax_quotes: true,
  relax_column_count: true,
  // A quote opens a field after spaces too (`a, "b, c"`).
  ltrim: true,
  record_delimiter: ["\r\n", "\n", "\r"],
};

/** Fields per record in the first 20 non-blank records (a quoted field may span lines). */
function fieldCounts(head: string, delimiter: string): number[] {
  const counts: number[] = [];
  try {
    parse(head, {
      ...READ_AS_SPREADSHEETS_WRITE,
      delimiter,
      to: 20,
      on_record: (row: string[]) => {
        if (row.some((c) => c.trim())) counts.push(row.length);
        return row;
      },
    });
  } catch {
    // The head ends inside a quoted field (or the file does): the records before it count.
  }
  return counts;
}
