import { extname } from "node:path";
import { decodeText, isMostlyPrintable } from "./encoding";
import { isZip, zipEntries } from "./zip";

// Content type by magic bytes first (a .txt that is really a PDF is read as a PDF), then by extension
// or the uploader's claim for text formats, then by sniffing the text.
// Kept by hand rather than file-type (checked: 21.3.4, the last for Node 20): its short signatures take
// plain text for binaries ("BMW annual report…" is a BMP, "MZ Holdings…" an .exe, "ID3 tags…" an MP3),
// it misses a PDF behind a few junk bytes, and zips are told apart here by their central directory.

export const TYPES = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  zip: "application/zip",
  ole: "application/x-ole-storage",
  png: "image/png",
  jpeg: "image/jpeg",
  tiff: "image/tiff",
  gif: "image/gif",
  bmp: "image/bmp",
  gzip: "application/gzip",
  eml: "message/rfc822",
  html: "text/html",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  markdown: "text/markdown",
  text: "text/plain",
  binary: "application/octet-stream",
} as const;

const EXT: Record<string, string> = {
  ".txt": TYPES.text,
  ".text": TYPES.text,
  ".log": TYPES.text,
  ".json": TYPES.text,
  ".md": TYPES.markdown,
  ".markdown": TYPES.markdown,
  ".html": TYPES.html,
  ".htm": TYPES.html,
  ".xhtml": TYPES.html,
  ".csv": TYPES.csv,
  ".tsv": TYPES.tsv,
  ".tab": TYPES.tsv,
  ".eml": TYPES.eml,
};

const CLAIMED_TEXT = new Set<string>([TYPES.markdown, TYPES.html, TYPES.csv, TYPES.tsv, TYPES.eml, TYPES.text]);

/** Binary document formats a name or a Content-Type can claim (what the bytes then must be). */
const BINARY_CLAIMS: Record<string, string> = {
  ".pdf": "PDF",
  ".docx": "Word",
  ".xlsx": "Excel",
  ".pptx": "PowerPoint",
  ".png": "PNG",
  ".jpg": "JPEG",
  ".jpeg": "JPEG",
  ".tif": "TIFF",
  ".tiff": "TIFF",
  [TYPES.pdf]: "PDF",
  [TYPES.docx]: "Word",
  [TYPES.xlsx]: "Excel",
  [TYPES.pptx]: "PowerPoint",
  [TYPES.png]: "PNG",
  [TYPES.jpeg]: "JPEG",
  [TYPES.tiff]: "TIFF",
};

/**
 * A warning when the name or the declared type says a binary format but the bytes are text (they are
 * read as what they are, and the document says so): undefined when they agree.
 */
export function claimMismatch(key: string, claimed: string | undefined, detected: string): string | undefined {
  if (!detected.startsWith("text/") && detected !== TYPES.eml) return undefined;
  const claim = BINARY_CLAIMS[extname(key).toLowerCase()] ?? BINARY_CLAIMS[claimed?.split(";")[0].trim().toLowerCase() ?? ""];
  return claim ? `named or declared as ${claim}, but the bytes are ${detected}: read as text` : undefined;
}

export async function detectContentType(key: string, body: Buffer, claimed?: string): Promise<string> {
  const magic = await byMagic(body, extname(key).toLowerCase());
  if (magic) return magic;
  const ext = EXT[extname(key).toLowerCase()];
  const claim = claimed?.split(";")[0].trim().toLowerCase();
  const { text } = decodeText(body.subarray(0, 64 * 1024));
  if (!isMostlyPrintable(text)) return TYPES.binary;
  const head = text
    .replace(/^\uFEFF/, "")
    .trimStart()
    .slice(0, 2048)
    .toLowerCase();
  if (head.startsWith("<!doctype html") || head.startsWith("<html") || /^<\?xml[^>]*>\s*<html/.test(head)) return TYPES.html;
  if (ext) return ext;
  if (claim && CLAIMED_TEXT.has(claim)) return claim;
  if (looksLikeEmail(text)) return TYPES.eml;
  if (/^<(head|body|div|p|table|h[1-6])[\s>]/.test(head)) return TYPES.html;
  return TYPES.text;
}

async function byMagic(b: Buffer, ext: string): Promise<string | undefined> {
  const ascii = (n: number) => b.subarray(0, n).toString("latin1");
  // PDF: the header may follow a little junk (some generators prepend bytes); readers allow 1 KiB.
  const pdfAt = b.subarray(0, 1024).indexOf("%PDF-");
  if (pdfAt === 0 || (pdfAt > 0 && b.includes("endobj"))) return TYPES.pdf;
  if (isZip(b)) return zipType(b, ext);
  if (b.length >= 8 && b.readUInt32BE(0) === 0xd0cf11e0 && b.readUInt32BE(4) === 0xa1b11ae1) return TYPES.ole;
  if (ascii(8) === "\x89PNG\r\n\x1a\n") return TYPES.png;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return TYPES.jpeg;
  if (ascii(4) === "II*\0" || ascii(4) === "MM\0*") return TYPES.tiff;
  if (ascii(4) === "GIF8") return TYPES.gif;
  if (ascii(2) === "BM" && b.length > 26 && b.readUInt32LE(2) === b.length) return TYPES.bmp;
  if (b[0] === 0x1f && b[1] === 0x8b) return TYPES.gzip;
  return undefined;
}

async function zipType(b: Buffer, ext: string): Promise<string> {
  let names: string[];
  try {
    names = (await zipEntries(b)).map((e) => e.name);
  } catch {
    // A truncated container: trust the extension so the Office parser reports it as corrupt.
    return ext === ".docx" ? TYPES.docx : ext === ".xlsx" ? TYPES.xlsx : TYPES.zip;
  }
  if (names.includes("word/document.xml")) return TYPES.docx;
  if (names.includes("xl/workbook.xml")) return TYPES.xlsx;
  if (names.includes("ppt/presentation.xml")) return TYPES.pptx;
  return TYPES.zip;
}

/** RFC 822: the file starts with header lines, and the usual mail headers are among them. */
function looksLikeEmail(text: string): boolean {
  const head = text.replace(/\r\n/g, "\n").split("\n\n")[0].split("\n").slice(0, 60);
  if (!/^[A-Za-z][A-Za-z0-9-]*:/.test(head[0] ?? "")) return false;
  const names = new Set(head.map((l) => /^([A-Za-z][A-Za-z0-9-]*):/.exec(l)?.[1].toLowerCase()).filter(Boolean));
  const mail = ["from", "to", "subject", "date", "message-id", "mime-version", "received", "return-path"].filter((n) => names.has(n));
  return mail.length >= 3 && names.has("from");
}
