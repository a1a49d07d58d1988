import type { TaskResult } from "../../../runtime/worker-pool";
import { Deadline } from "../limits";
import { openPdf } from "./document";
import { type PagesRead, readPages } from "./read-pages";

// The task a PDF range reader's thread runs (see ranges.ts): a range of a PDF's pages read as lines,
// with pdf.js in that thread.

export interface RangeRequest {
  body: Uint8Array;
  first: number;
  last: number;
  timeoutMs: number;
}

export async function readPdfRange({ body, first, last, timeoutMs }: RangeRequest): Promise<TaskResult<PagesRead>> {
  const pdf = await openPdf(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  try {
    return { value: await readPages(pdf, first, last, new Deadline(timeoutMs)) };
  } finally {
    void pdf.destroy();
  }
}
