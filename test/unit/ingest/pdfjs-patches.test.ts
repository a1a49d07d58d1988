import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { PATCHES, patchSource, pdfjsPath, UPSTREAM_SHA256, unpatchSource } from "../../../scripts/patch-pdfjs.mjs";
import { DATASETS } from "../../helpers/datasets";
import { tempDir } from "../../helpers/tmp";
import { pdfBuffer, reportPdf } from "./pdf-fixtures";

// scripts/patch-pdfjs.mjs edits the pdf.js that unpdf bundles for speed (bench/pdf.bench.ts). What it must
// not change is pdf.js's output: the text content of real filings and of generated PDFs that use the text
// state it touches (rotation, character and word spacing, horizontal scaling, nested q/Q) is compared page
// by page with npm's own file, which is rebuilt from the installed one and checked against its SHA-256.

const run = promisify(execFile);
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const tmp = tempDir("pdfjs-patches-");
afterAll(() => tmp.cleanup());

/** Text-state edge cases on one page each: rotated, spaced, scaled, inside saved and restored states. */
function textStatePdf(): Promise<Buffer> {
  return pdfBuffer((doc) => {
    doc.addPage();
    doc.font("Helvetica").fontSize(11).text("Plain text before any state change, with a number 1,234.", 54, 60);
    doc.text("Characters spaced apart in this line.", 54, 90, { characterSpacing: 2 });
    doc.text("Words spaced apart in this line of text.", 54, 120, { wordSpacing: 6 });
    doc.text("Horizontally scaled text runs wider.", 54, 150, { horizontalScaling: 140 } as PDFKit.Mixins.TextOptions);
    // Raw operators pdfkit does not write: horizontal scaling (Tz), rise (Ts), character spacing (Tc), TJ kerning.
    const font = (doc as unknown as { _font: { id: string } })._font.id;
    doc.addContent(
      `BT /${font} 11 Tf 1 0 0 -1 54 400 Tm 150 Tz 3 Ts 2 Tc (Raw scaled and raised) Tj 0 -14 Td 100 Tz 0 Ts 0 Tc [(Kerned) -250 (gap) 120 (text)] TJ ET`,
    );
    doc
      .save()
      .rotate(90, { origin: [300, 300] })
      .text("Rotated a quarter turn", 300, 300)
      .restore();
    doc
      .save()
      .rotate(-30, { origin: [200, 500] })
      .font("Times-Bold")
      .fontSize(14)
      .text("Rotated by thirty degrees", 200, 500)
      .restore();
    doc.save().scale(0.8).text("Inside a scaled state, after a restore the page goes on.", 54, 650).restore();
    doc.font("Courier").fontSize(9).text("Back to the page's own state, in a third font.", 54, 720);
    doc.addPage({ size: "A4", layout: "landscape" });
    doc.font("Helvetica").fontSize(12).text("A landscape page, then a second column of text.", 54, 60, { columns: 2, width: 700 });
  });
}

async function textContent(which: "installed" | "upstream", files: string[]): Promise<string[]> {
  const script = join(import.meta.dirname, "..", "..", "fixtures", "pdfjs-text-dump.mjs");
  const { stdout } = await run(process.execPath, [script, which, ...files], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim().split("\n");
}

describe("pdf.js patches (scripts/patch-pdfjs.mjs)", () => {
  it("are applied to the pdf.js the parser loads (npm's postinstall ran), each exactly once", () => {
    const installed = readFileSync(pdfjsPath(), "utf8");
    for (const p of PATCHES) {
      expect(installed.split(p.patched).length - 1, p.name).toBe(1);
      expect(installed.includes(p.upstream), p.name).toBe(false);
    }
    expect(sha256(unpatchSource(installed))).toBe(UPSTREAM_SHA256);
  });

  it("apply once: patching the patched file changes nothing, and a file they were not written for is refused", () => {
    const upstream = unpatchSource(readFileSync(pdfjsPath(), "utf8"));
    const patched = patchSource(upstream);
    expect(patched).not.toBe(upstream);
    expect(patchSource(patched)).toBe(patched);
    expect(() => patchSource(`${upstream}\n// another build`)).toThrow(/not the file .* written for/);
  });

  it("leave pdf.js's text content unchanged, page by page, on SEC filings and on generated text-state cases", async () => {
    writeFileSync(join(tmp.dir, "text-state.pdf"), await textStatePdf());
    writeFileSync(join(tmp.dir, "report.pdf"), await reportPdf());
    const files = [
      join(tmp.dir, "text-state.pdf"),
      join(tmp.dir, "report.pdf"),
      join(DATASETS, "financebench", "docs", "ADOBE_2022_10K.pdf"),
      join(DATASETS, "financebench", "docs", "AMCOR_2023Q4_EARNINGS.pdf"),
      join(DATASETS, "financebench", "docs", "PEPSICO_2023_8K_dated-2023-05-05.pdf"),
      join(DATASETS, "docugami_sec10q", "docs", "2023_Q1_NVDA.pdf"),
    ];
    const [installed, upstream] = await Promise.all([textContent("installed", files), textContent("upstream", files)]);
    expect(installed.length).toBeGreaterThan(150); // every page of every file was read
    expect(installed.filter((l) => l.startsWith(join(tmp.dir, "text-state.pdf")))).toHaveLength(2);
    expect(installed).toEqual(upstream);
  }, 120_000);
});
