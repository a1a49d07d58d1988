import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DocumentError } from "../../../shared/domain/errors";
import { Deadline } from "../../../shared/ingest/parse/limits";
import { openPdf } from "../../../shared/ingest/parse/pdf/document";
import { readElsewhere, secondHalfStart } from "../../../shared/ingest/parse/pdf/ranges";
import { readPages } from "../../../shared/ingest/parse/pdf/read-pages";
import { pdfBuffer, sentences } from "./pdf-fixtures";

// A large PDF is read by two threads: the second half of its pages on a range reader's thread. Its pages
// must read exactly as on one thread, its failures must stay the document's, and it must not hold a
// process open.

const ROOT = join(import.meta.dirname, "..", "..", "..");
const PAGES = 44;

/** A page's own word, in letters (lines differing only in digits would read as running headers). */
const word = (p: number) => [...p.toString(26)].map((d) => String.fromCharCode(97 + Number.parseInt(d, 26))).join("");

/** 44 pages: a bold heading (a font of its own) and a paragraph on each; page 30 brings a new font. */
function longPdf(): Promise<Buffer> {
  return pdfBuffer((doc) => {
    for (let p = 1; p <= PAGES; p++) {
      doc.addPage();
      doc.font("Helvetica-Bold").fontSize(14).text(`Section ${p}`, 54, 70);
      doc
        .font(p === 30 ? "Times-Roman" : "Helvetica")
        .fontSize(10)
        .text(sentences(`north${word(p)}`, 4).join(" "), 54, 100, { width: 504 });
    }
  });
}

describe("a large PDF read in two halves on two threads", () => {
  let body: Buffer;
  beforeAll(async () => {
    body = await longPdf();
  });

  it("splits only PDFs with enough pages for both threads, and only with a second core", () => {
    const two = availableParallelism() > 1;
    expect(secondHalfStart(39)).toBeUndefined();
    expect(secondHalfStart(40)).toBe(two ? 21 : undefined);
    expect(secondHalfStart(PAGES)).toBe(two ? 23 : undefined);
  });

  it("reads the second half on the other thread exactly as one thread reads it (lines, sizes, bold)", async () => {
    const pdf = await openPdf(body);
    try {
      const deadline = new Deadline(60_000);
      const whole = await readPages(pdf, 1, PAGES, deadline);
      const first = await readPages(pdf, 1, 22, deadline);
      const second = await readElsewhere(body, 23, PAGES, deadline);
      expect(second.pages.map((p) => p.page)).toEqual(Array.from({ length: 22 }, (_, i) => 23 + i));
      expect([...first.pages, ...second.pages]).toEqual(whole.pages);
      const heading = second.pages[0].lines[0].segments[0];
      expect([heading.text, heading.bold]).toEqual(["Section 23", true]);
    } finally {
      await pdf.destroy();
    }
    // The caller's bytes stay whole for its own half and for OCR (the other thread got a copy).
    expect(body.subarray(0, 5).toString()).toBe("%PDF-");
  });

  it("a damaged PDF fails on the other thread as the document's error, not as a lost thread", async () => {
    const damaged = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(2000, 7)]);
    const err = await readElsewhere(damaged, 1, 2, new Deadline(60_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DocumentError);
    expect((err as DocumentError).code).toBe("corrupt_document");
  });

  it("a process that has parsed a large PDF ends by itself: the idle reader thread does not hold it open", () => {
    const dir = mkdtempSync(join(tmpdir(), "ragline-pdf-ranges-"));
    try {
      writeFileSync(join(dir, "long.pdf"), body);
      const script = [
        `import { readFileSync } from "node:fs";`,
        `import { parseDocument } from ${JSON.stringify(join(ROOT, "shared", "ingest", "parse", "index.ts"))};`,
        `const doc = await parseDocument({ key: "long.pdf", body: readFileSync(${JSON.stringify(join(dir, "long.pdf"))}) });`,
        `console.log(doc.pages, doc.blocks.some((b) => b.text.includes("north${word(PAGES)}4")));`,
      ].join("\n");
      writeFileSync(join(dir, "parse.mts"), script);
      // Were the thread left holding the process, this child would run until the kill at `timeout`.
      const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, "parse.mts")], { cwd: ROOT, encoding: "utf8", timeout: 25_000 });
      expect(r.signal).toBeNull();
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(`${PAGES} true`); // the last page, read on the other thread, is in the document
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
