import type { ParsedDocument } from "../../domain/document";
import { DocumentError } from "../../domain/errors";
import { claimMismatch, detectContentType, TYPES } from "./detect";
import { htmlParser } from "./html";
import { imageParser } from "./image";
import { Deadline, DEFAULT_LIMITS, type ParseLimits, withTimeout } from "./limits";
import { csvParser } from "./csv";
import { docxParser } from "./docx";
import { emailParser } from "./email";
import { markdownParser } from "./markdown";
import { pdfParser } from "./pdf";
import { textParser } from "./text";
import type { ParseInput, Parser } from "./types";
import { xlsxParser } from "./xlsx";

export type { ParseEnv, ParseInput, Parser } from "./types";
export { detectContentType, TYPES } from "./detect";
export { DEFAULT_LIMITS, type ParseLimits } from "./limits";

const PARSERS: Parser[] = [textParser, markdownParser, htmlParser, pdfParser, csvParser, xlsxParser, docxParser, emailParser, imageParser];

const UNSUPPORTED: Record<string, string> = {
  [TYPES.ole]: "legacy Office files (.doc, .xls, .ppt, .msg) are not supported: save as .docx or .xlsx",
  [TYPES.pptx]: "PowerPoint files are not supported yet",
  [TYPES.zip]: "zip archives are not unpacked: upload the files themselves",
  [TYPES.gzip]: "compressed files are not unpacked: upload the files themselves",
  [TYPES.binary]: "the file is binary and of no known document type",
};

/** Parses bytes into a structured document; a bad, hostile or unsupported file throws DocumentError. */
export async function parseDocument(input: ParseInput, limits: Partial<ParseLimits> = {}): Promise<ParsedDocument> {
  if (input.body.length === 0) throw new DocumentError("empty_document", "the file is empty");
  const all: ParseLimits = { ...DEFAULT_LIMITS, ...input.limits, ...limits };
  const type = await detectContentType(input.key, input.body, input.contentType);
  const parser = PARSERS.find((p) => p.types.includes(type));
  if (!parser) {
    if (type === TYPES.ole && /\.(docx|xlsx|pptx)$/i.test(input.key) && isEncryptedOffice(input.body)) {
      throw new DocumentError("encrypted_document", "the Office file is password-protected");
    }
    throw new DocumentError("unsupported_type", UNSUPPORTED[type] ?? `unsupported content type ${type}`);
  }
  const deadline = new Deadline(all.timeoutMs);
  const doc = await withTimeout(parser.parse(input, { limits: all, deadline, type }), deadline, "parsing");
  if (!doc.blocks.some((b) => b.text.trim()) && !doc.attachments?.length) {
    throw new DocumentError("no_text", doc.warnings?.length ? `no text could be extracted (${doc.warnings.join("; ")})` : "no text could be extracted");
  }
  const mismatch = claimMismatch(input.key, input.contentType, type);
  return mismatch ? { ...doc, warnings: [mismatch, ...(doc.warnings ?? [])] } : doc;
}

/** Password-protected docx/xlsx are OLE containers holding an "EncryptedPackage" stream. */
function isEncryptedOffice(body: Buffer): boolean {
  return body.includes(Buffer.from("EncryptedPackage", "utf16le"));
}
