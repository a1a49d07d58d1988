import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import type { Block } from "../../domain/document";
import { DocumentError } from "../../domain/errors";
import type { Deadline } from "./limits";
import type { OcrPage } from "./types";
import { remoteOcrAvailable, remoteOcrImage, remoteOcrPdfPages, type OcrHost } from "./ocr-remote";

// OCR through the Tesseract CLI (Debian tesseract-ocr + tesseract-ocr-eng); PDF pages are rendered with
// poppler's pdftoppm first. TSV output gives every word with its box and confidence, which become
// paragraphs with a confidence on each block.

export type { OcrPage };

/** Whether OCR can run: on the OCR host when one is set, else whether the tools are installed (checked once). */
let available: Promise<boolean> | undefined;
export function ocrAvailable(host?: OcrHost): Promise<boolean> {
  if (host) return remoteOcrAvailable(host);
  available ??= Promise.all([run("tesseract", ["--version"], 10_000), run("pdftoppm", ["-v"], 10_000)]).then(
    () => true,
    () => false,
  );
  return available;
}

/** OCR of an image file (png, jpeg, tiff — every page of a multi-page tiff). */
export async function ocrImage(body: Buffer, ext: string, deadline: Deadline, host?: OcrHost): Promise<OcrPage[]> {
  if (host) return remoteOcrImage(host, body, ext, deadline);
  return withTempDir(async (dir) => {
    const file = join(dir, `input.${ext}`);
    await writeFile(file, body);
    return recogniseFile(file, deadline);
  });
}

/** OCR of selected pages of a PDF: each page rendered to a grayscale PNG at its `dpi`, then recognised. */
export async function ocrPdfPages(body: Buffer, pages: { page: number; dpi: number }[], deadline: Deadline, host?: OcrHost): Promise<OcrPage[]> {
  if (!pages.length) return [];
  if (host) return remoteOcrPdfPages(host, body, pages, deadline);
  return withTempDir(async (dir) => {
    const pdf = join(dir, "input.pdf");
    await writeFile(pdf, body);
    // Tesseract's own threads help little; pages in parallel use the cores better.
    return mapLimit(pages, Math.max(1, Math.min(4, availableParallelism())), async ({ page, dpi }) => {
      deadline.check("OCR");
      const prefix = join(dir, `p${page}`);
      await run(
        "pdftoppm",
        ["-r", String(Math.round(dpi)), "-f", String(page), "-l", String(page), "-gray", "-png", "-singlefile", pdf, prefix],
        deadline.remaining(),
      );
      const [result] = await recogniseFile(`${prefix}.png`, deadline);
      await rm(`${prefix}.png`, { force: true });
      const r = result ?? { blocks: [], confidence: 0, words: 0 };
      return { ...r, page, blocks: r.blocks.map((b) => ({ ...b, page })) };
    });
  });
}

/**
 * Recognises an image file: Tesseract's automatic layout first (psm 3: columns, paragraphs, reading
 * order); a page that turns out to be a form (labels and short values scattered over it) is read again
 * as sparse text (psm 11), which finds the isolated fields the layout analysis drops. On ten FUNSD
 * faxes rendered at 325 dpi, word recall of their keys and answers is 0.806 with psm 3, 0.858 with psm 11.
 */
async function recogniseFile(file: string, deadline: Deadline): Promise<OcrPage[]> {
  const laidOut = tsvWords(await tesseract(file, deadline, 3));
  if (!looksLikeForm(laidOut)) return pagesOf(laidOut);
  deadline.check("OCR");
  return fromTsv(await tesseract(file, deadline, 11));
}

async function tesseract(file: string, deadline: Deadline, psm: 3 | 11): Promise<string> {
  return run("tesseract", [file, "stdout", "-l", "eng", "--psm", String(psm), "tsv"], deadline.remaining(), { OMP_THREAD_LIMIT: "1" });
}

/**
 * A form (a fax cover, an application: labels and short values spread over the page) rather than
 * running text or a table: lines are short (median ≤ 6 words; text has 13-18) and a quarter or more of
 * them jump a wide gap (over 3 word-heights: a label and its value, or fields side by side). Measured
 * on FUNSD faxes (median 5 words a line, 34-58% of lines with a gap) and 10-K/10-Q pages (13-18 words,
 * 0-19%).
 */
export function looksLikeForm(words: Pick<Word, "page" | "block" | "par" | "line" | "left" | "width" | "height">[]): boolean {
  const lines = new Map<string, typeof words>();
  for (const w of words) {
    const k = `${w.page}.${w.block}.${w.par}.${w.line}`;
    if (!lines.has(k)) lines.set(k, []);
    lines.get(k)!.push(w);
  }
  if (lines.size < 10) return false;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const wordHeight = median(words.map((w) => w.height));
  const gapped = [...lines.values()].filter((ws) => {
    const byLeft = [...ws].sort((a, b) => a.left - b.left);
    return byLeft.some((w, i) => i > 0 && w.left - (byLeft[i - 1].left + byLeft[i - 1].width) > 3 * wordHeight);
  }).length;
  return median([...lines.values()].map((ws) => ws.length)) <= 6 && gapped / lines.size >= 0.25;
}

interface Word {
  page: number;
  block: number;
  par: number;
  line: number;
  left: number;
  top: number;
  width: number;
  height: number;
  conf: number;
  text: string;
}

/** The recognised words of a Tesseract TSV (level-5 rows with text and a confidence). */
export function tsvWords(tsv: string): Word[] {
  const out: Word[] = [];
  for (const row of tsv.split("\n").slice(1)) {
    const f = row.split("\t");
    if (f.length < 12 || f[0] !== "5") continue;
    const text = f.slice(11).join("\t").trim();
    const conf = Number(f[10]);
    if (!text || conf < 0) continue;
    out.push({ page: +f[1], block: +f[2], par: +f[3], line: +f[4], left: +f[6], top: +f[7], width: +f[8], height: +f[9], conf, text });
  }
  return out;
}

/** Tesseract TSV → per page: paragraphs (block+par) with their mean confidence; tall short lines become headings. */
export function fromTsv(tsv: string): OcrPage[] {
  return pagesOf(tsvWords(tsv));
}

function pagesOf(words: Word[]): OcrPage[] {
  const byPage = new Map<number, Word[]>();
  for (const w of words) {
    if (!byPage.has(w.page)) byPage.set(w.page, []);
    byPage.get(w.page)!.push(w);
  }
  return [...byPage].map(([page, words]) => {
    const medianHeight = [...words.map((w) => w.height)].sort((a, b) => a - b)[Math.floor(words.length / 2)] ?? 0;
    const groups = new Map<string, Word[]>();
    for (const w of words) {
      const k = `${w.block}.${w.par}`;
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k)!.push(w);
    }
    const blocks: Block[] = [];
    for (const ws of groups.values()) {
      const text = joinWords(ws);
      if (!text) continue;
      const confidence = weightedConfidence(ws);
      const tall = [...ws.map((w) => w.height)].sort((a, b) => a - b)[Math.floor(ws.length / 2)] >= 1.4 * medianHeight;
      const heading = tall && ws.length <= 12 && /[A-Za-z]{2}/.test(text);
      blocks.push({ kind: heading ? "heading" : "paragraph", ...(heading ? { level: 1 } : {}), text, page, ocrConfidence: confidence });
    }
    return { page, blocks, confidence: weightedConfidence(words), words: words.length };
  });
}

function joinWords(ws: Word[]): string {
  let out = "";
  let line = -1;
  for (const w of ws) {
    if (out && w.line !== line && /[A-Za-z]-$/.test(out) && /^[a-z]/.test(w.text)) out = out.slice(0, -1) + w.text;
    else out += (out ? " " : "") + w.text;
    line = w.line;
  }
  return out.trim();
}

function weightedConfidence(ws: Word[]): number {
  let sum = 0;
  let n = 0;
  for (const w of ws) {
    sum += w.conf * w.text.length;
    n += w.text.length;
  }
  return n ? Math.round((sum / n / 100) * 1000) / 1000 : 0;
}

function run(cmd: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    if (timeoutMs <= 0) return reject(new DocumentError("parse_timeout", `${cmd} had no time left`));
    execFile(cmd, args, { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      if (e.code === "ENOENT")
        return reject(new DocumentError("ocr_unavailable", `${cmd} is not installed (Debian: poppler-utils, tesseract-ocr, tesseract-ocr-eng)`, err));
      if (e.killed) return reject(new DocumentError("parse_timeout", `${cmd} ran out of time`, err));
      reject(new DocumentError("ocr_failed", `${cmd} failed: ${String(stderr).trim().split("\n").pop() || e.message}`, err));
    });
  });
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "ragline-ocr-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
