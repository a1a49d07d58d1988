import { DocumentError } from "../../domain/errors";

// Limits that turn hostile or oversized input into a failed document instead of a hung or crashed worker.

export interface ParseLimits {
  /** PDFs with more pages fail with `too_many_pages`. */
  maxPages: number;
  /** Wall-clock budget for one document; checked between pages/sheets and enforced on child processes. */
  timeoutMs: number;
  /** Zip containers (docx, xlsx): total uncompressed size, entry count and compression ratio. */
  maxUncompressedBytes: number;
  maxZipEntries: number;
  maxCompressionRatio: number;
  /** Spreadsheets: cells read over all sheets. */
  maxCells: number;
  /** OCR: pages without a text layer that are sent to Tesseract (0 disables OCR). */
  maxOcrPages: number;
  /** Render resolution for OCR of PDF pages. */
  ocrDpi: number;
  /** Pages whose mean word confidence is below this are flagged in `warnings`. */
  lowOcrConfidence: number;
  /** OCR on an OCR host over HTTP instead of local binaries (runtimes without them, e.g. Lambda). */
  ocrHost?: { url: string; token?: string };
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxPages: 2000,
  timeoutMs: 10 * 60_000,
  maxUncompressedBytes: 512 * 1024 * 1024,
  maxZipEntries: 10_000,
  maxCompressionRatio: 200,
  maxCells: 2_000_000,
  maxOcrPages: 200,
  ocrDpi: 300,
  lowOcrConfidence: 0.6,
};

/** A cooperative deadline: long loops call `check()` between units of work. */
export class Deadline {
  private readonly end: number;
  constructor(readonly ms: number) {
    this.end = Date.now() + ms;
  }
  remaining(): number {
    return Math.max(0, this.end - Date.now());
  }
  check(what = "parsing"): void {
    if (Date.now() > this.end) throw new DocumentError("parse_timeout", `${what} took longer than ${seconds(this.ms)}`);
  }
}

/** Rejects when `promise` has not settled in time (the work may continue in the background, its result is dropped). */
export function withTimeout<T>(promise: Promise<T>, deadline: Deadline, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DocumentError("parse_timeout", `${what} took longer than ${seconds(deadline.ms)}`)), deadline.remaining());
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const seconds = (ms: number) => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`);
