import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
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
  /** Share of the words of the FUNSD keys and answers found in the OCR text of the same forms. */
  ocrWordRecall?: number;
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
  const gold = funsdWords(datasets);
  let ocrPages = 0;
  let found = 0;
  let expected = 0;
  const t2 = performance.now();
  for (const file of scans) {
    const doc = await parseDocument({ key: file, body: readFileSync(file) }).catch(() => undefined);
    if (!doc?.blocks.some((b) => b.ocrConfidence !== undefined)) continue;
    ocrPages += doc.pages ?? 0;
    const have = new Set(tokens(doc.blocks.map((b) => b.text).join(" ")));
    const want = gold.get(basename(file, ".pdf")) ?? [];
    found += want.filter((w) => have.has(w)).length;
    expected += want.length;
  }
  const ocrSeconds = (performance.now() - t2) / 1000;

  const rate = (pages: number, s: number) => (s > 0 ? (pages / s).toFixed(1) : "n/a");
  const lines = [
    `parse: ${pdfs.length} text PDFs, ${pdfPages} pages in ${pdfSeconds.toFixed(2)} s = ${rate(pdfPages, pdfSeconds)} pages/s`,
    pdftotextSeconds !== undefined
      ? `parse: pdftotext -layout on the same files ${pdftotextSeconds.toFixed(2)} s = ${rate(pdfPages, pdftotextSeconds)} pages/s (ours takes ${(pdfSeconds / pdftotextSeconds).toFixed(1)}x as long)`
      : "parse: pdftotext not installed (poppler-utils), no comparison",
    ocrPages
      ? `ocr: ${ocrPages} scanned pages in ${ocrSeconds.toFixed(1)} s = ${rate(ocrPages, ocrSeconds)} pages/s (${(ocrSeconds / ocrPages).toFixed(2)} s/page)`
      : "ocr: not measured (no scans or no tesseract)",
    ...(expected ? [`ocr: word recall of the FUNSD keys and answers on those pages ${(found / expected).toFixed(3)} (${found}/${expected})`] : []),
  ];
  return { pdfFiles: pdfs.length, pdfPages, pdfSeconds, pdftotextSeconds, ocrPages, ocrSeconds, ocrWordRecall: expected ? found / expected : undefined, lines };
}

function readdirSafe(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".pdf"))
        .sort()
        .map((f) => join(dir, f))
    : [];
}

const tokens = (s: string) => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** FUNSD form id → the words of its printed keys and their annotated answers. */
function funsdWords(datasets: string): Map<string, string[]> {
  const file = join(datasets, "funsd", "questions.jsonl");
  const out = new Map<string, string[]>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) {
    const q = JSON.parse(line) as { question: string; answers: string[]; relevant_doc_ids: string[] };
    const id = q.relevant_doc_ids[0];
    out.set(id, [...(out.get(id) ?? []), ...tokens(q.question), ...q.answers.flatMap(tokens)]);
  }
  return out;
}
