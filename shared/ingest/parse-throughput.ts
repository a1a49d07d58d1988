import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseDocument } from "./parse";

// Parse throughput for `npm run bench`: pages/s of our PDF parser against poppler's `pdftotext -layout` on the
// same files in the same run, and OCR pages/s on scanned forms. Reads the datasets in place.

const run = promisify(execFile);

export interface ParseThroughput {
  pdfFiles: number;
  pdfPages: number;
  pdfSeconds: number;
  pdftotextSeconds?: number;
  ocrPages: number;
  ocrSeconds: number;
  lines: string[];
}

const TEXT_PDFS = [
  "docugami_sec10q/docs/2023_Q1_INTC.pdf",
  "docugami_sec10q/docs/2023_Q2_AAPL.pdf",
  "docugami_sec10q/docs/2023_Q1_NVDA.pdf",
  "financebench/docs/AMCOR_2023_10K.pdf",
  "financebench/docs/ADOBE_2022_10K.pdf",
];

export async function measureParseThroughput(datasets: string, opts: { ocrPages?: number } = {}): Promise<ParseThroughput> {
  const pdfs = TEXT_PDFS.map((p) => join(datasets, p)).filter((p) => existsSync(p));
  let pdfPages = 0;
  const t0 = performance.now();
  for (const file of pdfs) pdfPages += (await parseDocument({ key: file, body: readFileSync(file) })).pages ?? 0;
  const pdfSeconds = (performance.now() - t0) / 1000;

  let pdftotextSeconds: number | undefined;
  try {
    const t1 = performance.now();
    for (const file of pdfs) await run("pdftotext", ["-layout", file, "-"], { maxBuffer: 256 * 1024 * 1024 });
    pdftotextSeconds = (performance.now() - t1) / 1000;
  } catch {
    pdftotextSeconds = undefined; // poppler-utils not installed
  }

  const scans = readdirSafe(join(datasets, "funsd", "docs", "scanned_pdf")).slice(0, opts.ocrPages ?? 3);
  let ocrPages = 0;
  const t2 = performance.now();
  for (const file of scans) {
    const doc = await parseDocument({ key: file, body: readFileSync(file) }).catch(() => undefined);
    if (doc?.blocks.some((b) => b.ocrConfidence !== undefined)) ocrPages += doc.pages ?? 0;
  }
  const ocrSeconds = (performance.now() - t2) / 1000;

  const rate = (pages: number, s: number) => (s > 0 ? (pages / s).toFixed(1) : "n/a");
  const lines = [
    `parse: ${pdfs.length} text PDFs, ${pdfPages} pages in ${pdfSeconds.toFixed(2)} s = ${rate(pdfPages, pdfSeconds)} pages/s`,
    pdftotextSeconds !== undefined
      ? `parse: pdftotext -layout on the same files ${pdftotextSeconds.toFixed(2)} s = ${rate(pdfPages, pdftotextSeconds)} pages/s (ours takes ${(pdfSeconds / pdftotextSeconds).toFixed(1)}x as long)`
      : "parse: pdftotext not installed (poppler-utils), no comparison",
    ocrPages ? `ocr: ${ocrPages} scanned pages in ${ocrSeconds.toFixed(1)} s = ${rate(ocrPages, ocrSeconds)} pages/s (${(ocrSeconds / ocrPages).toFixed(2)} s/page)` : "ocr: not measured (no scans or no tesseract)",
  ];
  return { pdfFiles: pdfs.length, pdfPages, pdfSeconds, pdftotextSeconds, ocrPages, ocrSeconds, lines };
}

function readdirSafe(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".pdf")).sort().map((f) => join(dir, f)) : [];
}
