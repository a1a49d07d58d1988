import { parseDelimited } from "../../shared/ingest/parse/csv";

// RFC 4180 CSV: fields quoted when they hold a comma, quote or line break; quotes doubled.

export function toCsv(rows: readonly (readonly string[])[]): string {
  const field = (f: string) => (/[",\r\n]/.test(f) || /^\s|\s$/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);
  return rows.map((r) => r.map(field).join(",")).join("\r\n") + "\r\n";
}

/** Reads a sheet back (as a person's spreadsheet saves it): the ingestion's RFC 4180 reader, blank rows dropped. */
export function parseCsv(text: string): string[][] {
  return parseDelimited(text.replace(/^\uFEFF/, ""), ",").filter((r) => r.some((f) => f.trim())); // spreadsheets often add a BOM
}
