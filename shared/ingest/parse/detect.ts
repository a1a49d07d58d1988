import { extname } from "node:path";

// Content type by magic bytes first, then by extension, then by a text sniff.

const EXT: Record<string, string> = {
  ".txt": "text/plain",
  ".text": "text/plain",
  ".md": "text/markdown",
  ".markdown": "text/markdown",
  ".html": "text/html",
  ".htm": "text/html",
  ".pdf": "application/pdf",
};

export function detectContentType(key: string, body: Buffer): string {
  if (body.subarray(0, 5).toString("latin1") === "%PDF-") return "application/pdf";
  const ext = EXT[extname(key).toLowerCase()];
  const head = body.subarray(0, 1024).toString("utf8").trimStart().toLowerCase();
  if (head.startsWith("<!doctype html") || head.startsWith("<html")) return "text/html";
  if (ext) return ext;
  if (looksLikeText(body)) return "text/plain";
  return "application/octet-stream";
}

function looksLikeText(body: Buffer): boolean {
  const sample = body.subarray(0, 4096);
  if (sample.includes(0)) return false;
  let control = 0;
  for (const b of sample) if (b < 9 || (b > 13 && b < 32)) control++;
  return control <= sample.length * 0.01;
}
