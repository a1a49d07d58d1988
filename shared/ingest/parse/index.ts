import type { ParsedDocument } from "../../domain/document";
import { DocumentError } from "../../domain/errors";
import { csvParser } from "./csv";
import { detectContentType } from "./detect";
import { htmlParser } from "./html";
import { markdownParser } from "./markdown";
import { pdfParser } from "./pdf";
import { textParser } from "./text";
import type { ParseInput, Parser } from "./types";
import { xlsxParser } from "./xlsx";

export type { ParseInput, Parser } from "./types";
export { detectContentType } from "./detect";

const PARSERS: Parser[] = [textParser, markdownParser, htmlParser, pdfParser, csvParser, xlsxParser];

/** Parses bytes into a structured document; a bad or unsupported file throws DocumentError. */
export async function parseDocument(input: ParseInput): Promise<ParsedDocument> {
  if (input.body.length === 0) throw new DocumentError("empty_document", "the file is empty");
  const type = detectContentType(input.key, input.body, input.contentType);
  const parser = PARSERS.find((p) => p.types.includes(type));
  if (!parser) throw new DocumentError("unsupported_type", `unsupported content type ${type}`);
  const doc = await parser.parse(input);
  if (!doc.blocks.some((b) => b.text.trim())) throw new DocumentError("no_text", "no text could be extracted");
  return doc;
}
