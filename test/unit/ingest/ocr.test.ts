import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ParsedDocument } from "../../../shared/domain/document";
import { parseDocument } from "../../../shared/ingest/parse";
import { looksLikeForm, tsvWords } from "../../../shared/ingest/parse/ocr";
import { loadDataset } from "../../../evals/datasets/loader";
import { formGoldWords, wordRecall } from "../../../evals/metrics/ocr";
import { DATASETS } from "../../helpers/datasets";
import { pdfBuffer } from "./pdf-fixtures";

// OCR through the Tesseract and poppler CLIs. Skipped, with the reason printed, where they are not installed.

const has = (cmd: string) => {
  try {
    execFileSync(cmd, ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const tools = has("tesseract") && has("pdftoppm");
if (!tools) console.warn("OCR tests skipped: install tesseract-ocr, tesseract-ocr-eng and poppler-utils");

const FUNSD = join(DATASETS, "funsd");
const hasFunsd = existsSync(join(FUNSD, "questions.jsonl"));

/** Share of the words of a form's keys and answers (FUNSD annotations) found in the OCR text (the eval's metric). */
function formRecall(doc: ParsedDocument, id: string): number {
  const { found, total } = wordRecall(formGoldWords(loadDataset("funsd", { root: DATASETS }).questions, id), doc.blocks.map((b) => b.text).join(" "));
  return found / total;
}

describe.skipIf(!tools || !hasFunsd)("OCR on FUNSD scanned forms", () => {
  it("a scanned form image (png): text with confidence on every block, low-confidence pages flagged; word recall measured", async () => {
    const id = "82092117";
    const t0 = Date.now();
    // The threshold is set above any real confidence so that the flag must appear.
    const body = readFileSync(join(FUNSD, "docs", "images", `${id}.png`));
    const doc = await parseDocument({ key: `${id}.png`, body }, { lowOcrConfidence: 0.99 });
    const recall = formRecall(doc, id);
    console.log(`funsd ${id}.png: word recall ${recall.toFixed(3)}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(doc.contentType).toBe("image/png");
    expect(doc.blocks.length).toBeGreaterThan(5);
    for (const b of doc.blocks) expect(b.ocrConfidence).toBeGreaterThan(0);
    expect(recall).toBeGreaterThan(0.85);
    expect(doc.blocks.map((b) => b.text).join(" ")).toMatch(/CONFIDENTIAL FACSIMILE/);
    expect(doc.warnings?.[0]).toMatch(/^page 1: low OCR confidence 0\.\d+$/);
  }, 30_000);

  it("a form is told from running text and tables by its layout (then read as sparse text, which finds the isolated fields)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ragline-ocr-test-"));
    const words = (png: string) =>
      tsvWords(
        execFileSync("tesseract", [png, "stdout", "-l", "eng", "--psm", "3", "tsv"], { encoding: "utf8", env: { ...process.env, OMP_THREAD_LIMIT: "1" } }),
      );
    try {
      // Rendered as the OCR path renders a scanned page (poppler, about 300 dpi for a letter-wide page).
      const render = (pdf: string, page: number, dpi: number, name: string) => {
        execFileSync("pdftoppm", ["-r", String(dpi), "-gray", "-png", "-f", String(page), "-l", String(page), "-singlefile", pdf, join(dir, name)]);
        return join(dir, `${name}.png`);
      };
      // Seven of the ten FUNSD scans are told forms (a fax cover with a letter-like body is not); none of the 10-K pages.
      const scans = readdirSync(join(FUNSD, "docs", "scanned_pdf"))
        .filter((f) => f.endsWith(".pdf"))
        .sort();
      const forms = scans.filter((f) => looksLikeForm(words(render(join(FUNSD, "docs", "scanned_pdf", f), 1, 325, f.replace(".pdf", "")))));
      expect(scans).toHaveLength(10);
      expect(forms.length).toBeGreaterThanOrEqual(7);
      // A 10-K's prose page and its table page.
      for (const page of [5, 40])
        expect(looksLikeForm(words(render(join(DATASETS, "financebench", "docs", "ADOBE_2022_10K.pdf"), page, 300, `p${page}`))), `10-K page ${page}`).toBe(
          false,
        );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("the image-only PDF of a form goes through the same OCR path, page by page", async () => {
    const id = "82250337_0338";
    const t0 = Date.now();
    const doc = await parseDocument({ key: `${id}.pdf`, body: readFileSync(join(FUNSD, "docs", "scanned_pdf", `${id}.pdf`)) });
    const recall = formRecall(doc, id);
    console.log(`funsd ${id}.pdf: word recall ${recall.toFixed(3)}, ${((Date.now() - t0) / 1000).toFixed(1)} s/page`);
    expect(doc.pages).toBe(1);
    expect(doc.blocks.every((b) => b.page === 1 && b.ocrConfidence! > 0)).toBe(true);
    expect(recall).toBeGreaterThan(0.85);
  }, 30_000);
});

describe.skipIf(!tools)("mixed PDF: a text page and a scanned page", () => {
  it("keeps the text layer of page 1 and OCRs only page 2", async () => {
    // The "scan": a text page rendered to a PNG by poppler, then placed as an image on a page of its own.
    const dir = mkdtempSync(join(tmpdir(), "ragline-ocr-test-"));
    try {
      const source = await pdfBuffer((d) =>
        d
          .addPage()
          .font("Helvetica")
          .fontSize(14)
          .text("Shipment manifest for the Rotterdam warehouse. Forty pallets of ceramic tiles arrived on Tuesday.", 72, 72, { width: 450 }),
      );
      writeFileSync(join(dir, "src.pdf"), source);
      execFileSync("pdftoppm", ["-r", "150", "-gray", "-png", "-singlefile", join(dir, "src.pdf"), join(dir, "scan")]);
      const mixed = await pdfBuffer((d) => {
        d.addPage().font("Helvetica").fontSize(12).text("Cover letter: the manifest for the warehouse follows on the next page.", 72, 72);
        d.addPage().image(join(dir, "scan.png"), 0, 0, { width: 612 });
      });
      const doc = await parseDocument({ key: "mixed.pdf", body: mixed }, { ocrDpi: 200 });
      const page1 = doc.blocks.filter((b) => b.page === 1);
      const page2 = doc.blocks.filter((b) => b.page === 2);
      expect(page1.map((b) => b.text).join(" ")).toContain("Cover letter");
      expect(page1.every((b) => b.ocrConfidence === undefined)).toBe(true);
      expect(page2.length).toBeGreaterThan(0);
      expect(page2.every((b) => b.ocrConfidence! > 0.8)).toBe(true);
      expect(page2.map((b) => b.text).join(" ")).toContain("Forty pallets of ceramic tiles arrived on Tuesday.");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe.skipIf(!tools)("OCR of JPEG and TIFF scans", () => {
  it("a low-resolution JPEG (upsampled through poppler) and a TIFF are read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ragline-ocr-test-"));
    try {
      const source = await pdfBuffer((d) =>
        d
          .addPage()
          .font("Times-Roman")
          .fontSize(13)
          .text("Invoice 4471: twelve crates of olive oil were delivered to the Lisbon depot on the third of March.", 72, 72, { width: 460 }),
      );
      writeFileSync(join(dir, "src.pdf"), source);
      execFileSync("pdftoppm", ["-r", "100", "-gray", "-jpeg", "-singlefile", join(dir, "src.pdf"), join(dir, "scan")]);
      execFileSync("pdftoppm", ["-r", "200", "-gray", "-tiff", "-singlefile", join(dir, "src.pdf"), join(dir, "scan")]);
      const expected = "twelve crates of olive oil were delivered to the Lisbon depot";
      const jpeg = await parseDocument({ key: "scan.jpg", body: readFileSync(join(dir, "scan.jpg")) });
      expect(jpeg.contentType).toBe("image/jpeg");
      expect(jpeg.blocks.map((b) => b.text).join(" ")).toContain(expected);
      const tiff = await parseDocument({ key: "scan", body: readFileSync(join(dir, "scan.tif")) });
      expect(tiff.contentType).toBe("image/tiff");
      expect(tiff.blocks.map((b) => b.text).join(" ")).toContain(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
