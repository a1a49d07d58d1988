import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Chunk } from "../../../shared/domain/chunk";
import type { ParsedDocument } from "../../../shared/domain/document";
import { chunkDocument } from "../../../shared/ingest/chunk";
import { parseDocument } from "../../../shared/ingest/parse";
import { joinLines } from "../../../shared/ingest/parse/pdf/paragraphs";
import { DATASETS } from "../../helpers/datasets";
import { continuedTablePdf, pdfBuffer, reportPdf, sentences, TWO_COLUMN_TEXT } from "./pdf-fixtures";

const ref = { documentKey: "report.pdf", version: "v1", metadata: {} };
const norm = (s: string) => s.replace(/\s+/g, " ").trim();

describe("PDF with a text layer (generated report)", () => {
  let doc: ParsedDocument;
  let chunks: Chunk[];
  beforeAll(async () => {
    doc = await parseDocument({ key: "report.pdf", body: await reportPdf() });
    chunks = chunkDocument(doc, ref, { maxWords: 120, overlapWords: 0 });
  });

  it("reads two columns one after the other, the text in its original order", () => {
    const body = norm(
      doc.blocks
        .filter((b) => b.page === 1 && b.kind === "paragraph")
        .map((b) => b.text)
        .join(" "),
    );
    expect(body).toBe(norm(TWO_COLUMN_TEXT));
  });

  it("keeps a sentence that wraps across lines and columns whole in one chunk", () => {
    for (const s of sentences("north", 14)) expect(chunks.some((c) => c.text.includes(s))).toBe(true);
  });

  it("drops the running header and the page-number footer", () => {
    const all = doc.blocks.map((b) => b.text).join("\n");
    expect(all).not.toContain("ACME Corporation | Annual Report 2024");
    expect(all).not.toMatch(/Page \d of 3/);
  });

  it("joins a word hyphenated at a line break and keeps a real hyphenated word", () => {
    const para = doc.blocks.find((b) => b.text.startsWith("During the year"))!;
    expect(para.text).toContain("distribution infrastructure and in the well-known customer");
  });

  it("turns larger and bold lines into headings with levels, and chunks carry the section path", () => {
    const headings = doc.blocks.filter((b) => b.kind === "heading").map((b) => [b.level, b.text]);
    expect(headings).toEqual([
      [1, "Annual Report 2024"],
      [2, "Operations Review"],
      [2, "Financial Results"],
      [2, "Outlook"],
    ]);
    const outlook = chunks.find((c) => c.text.includes("south1"))!;
    expect(outlook.sectionPath).toEqual(["Annual Report 2024", "Outlook"]);
    expect(outlook.page).toBe(3);
  });

  it("reads an aligned-text table as a table: each number stays with its row label and column header", () => {
    const table = doc.blocks.find((b) => b.kind === "table")!;
    expect(table.page).toBe(2);
    expect(table.table!.header.at(-1)).toEqual(["(In millions)", "2024", "2023"]);
    expect(table.table!.rows).toContainEqual(["Net revenue", "$ 12,480", "$ 11,205"]);
    expect(table.table!.rows).toContainEqual(["Restructuring charges", "(215)", "—"]);
    const chunk = chunks.find((c) => c.kind === "table")!;
    expect(chunk.sectionPath).toEqual(["Annual Report 2024", "Financial Results"]);
    expect(chunk.text).toMatch(/Net income — [^\n]*2023: 1,377/);
    // The sentence after the table is text again, not a table row.
    expect(doc.blocks.find((b) => b.text.startsWith("Revenue grew"))?.kind).toBe("paragraph");
  });
});

describe("PDF text table (generated)", () => {
  it("reads a table of short text cells aligned in columns row by row, a wrapped cell joined", async () => {
    const doc = await parseDocument({ key: "report.pdf", body: await reportPdf() });
    const table = doc.blocks.find((b) => b.kind === "table" && b.page === 3)!;
    expect(table.table).toEqual({
      header: [["Name", "Role", "Office"]],
      rows: [
        ["Maria Lopez", "Head of logistics", "Rotterdam"],
        ["Kenji Sato", "Customs liaison for the Asian routes", "Osaka"],
        ["Ada Byrne", "Fleet planner", "Dublin"],
      ],
    });
  });
});

describe("PDF table continued after a note and on the next page (generated)", () => {
  it("the parts without a header borrow it, so every value keeps its year", async () => {
    const doc = await parseDocument({ key: "segments.pdf", body: await continuedTablePdf() });
    const tables = doc.blocks.filter((b) => b.kind === "table");
    expect(tables.map((t) => [t.page, t.table!.rows.length])).toEqual([
      [1, 2],
      [1, 2],
      [2, 3],
    ]);
    for (const t of tables) expect(t.table!.header).toEqual([["(In millions)", "2024", "2023"]]);
    const chunks = chunkDocument(doc, ref, { maxWords: 120, overlapWords: 0 });
    expect(chunks.map((c) => c.text).join("\n")).toContain("Total revenue — 2023: 8,085");
    expect(doc.blocks.find((b) => b.kind === "list")?.text).toBe("Retail declined as two flagship stores closed for renovation.");
  });
});

describe("line joins", () => {
  it("removes break hyphens (hard, soft U+00AD, U+2010) but keeps known compounds and hyphens before capitals", () => {
    const known = (w: string) => w === "well-known";
    expect(joinLines("regional infra-", "structure", known)).toBe("regional infrastructure");
    expect(joinLines("regional infra\u00AD", "structure", known)).toBe("regional infrastructure");
    expect(joinLines("regional infra\u2010", "structure", known)).toBe("regional infrastructure");
    expect(joinLines("the well-", "known programme", known)).toBe("the well-known programme");
    expect(joinLines("certain non-", "GAAP measures", known)).toBe("certain non-GAAP measures");
    expect(joinLines("end of a line", "and the next", known)).toBe("end of a line and the next");
  });
});

describe("PDF failures", () => {
  it("a password-protected PDF fails as encrypted", async () => {
    const body = await pdfBuffer((d) => d.addPage().text("secret numbers"), { userPassword: "s3cret", ownerPassword: "owner" });
    await expect(parseDocument({ key: "locked.pdf", body })).rejects.toMatchObject({ code: "encrypted_document" });
  });

  it("a PDF that only restricts printing (owner password) is read", async () => {
    const body = await pdfBuffer((d) => d.addPage().text("open but not printable"), { ownerPassword: "owner", permissions: { printing: "lowResolution" } });
    const doc = await parseDocument({ key: "restricted.pdf", body });
    expect(doc.blocks[0].text).toBe("open but not printable");
  });

  it("a damaged PDF fails as corrupt", async () => {
    const body = Buffer.from("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ngarbage garbage\n%%EOF");
    await expect(parseDocument({ key: "broken.pdf", body })).rejects.toMatchObject({ code: expect.stringMatching(/corrupt_document|no_text/) });
  });

  it("a PDF over the page limit fails before its pages are read", async () => {
    const body = await pdfBuffer((d) => {
      for (let i = 0; i < 5; i++) d.addPage().text(`page ${i}`);
    });
    await expect(parseDocument({ key: "long.pdf", body }, { maxPages: 3 })).rejects.toMatchObject({ code: "too_many_pages" });
  });
});

// Real SEC filings from ../shared/datasets (read in place, never copied into the repo).
const amcor = join(DATASETS, "financebench", "docs", "AMCOR_2023_10K.pdf");
const intel = join(DATASETS, "docugami_sec10q", "docs", "2023_Q1_INTC.pdf");
const mmm = join(DATASETS, "financebench", "docs", "3M_2018_10K.pdf");
const adobe = join(DATASETS, "financebench", "docs", "ADOBE_2022_10K.pdf");

describe.skipIf(!existsSync(amcor))("real 10-K: AMCOR 2023 (financebench)", () => {
  let doc: ParsedDocument;
  beforeAll(async () => {
    doc = await parseDocument({ key: "AMCOR_2023_10K.pdf", body: readFileSync(amcor) });
  }, 60_000);

  it("page 128, three text columns (issue | Delaware law | Jersey law): the columns never interleave", () => {
    const page = doc.blocks.filter((b) => b.page === 128);
    const delaware = page.find((b) => b.text.includes("The duty of care requires that a director act in good faith"))!;
    expect(delaware.text).toContain(
      "The duty of care requires that a director act in good faith, with the care that an ordinarily prudent person would exercise under similar circumstances.",
    );
    expect(delaware.text).not.toMatch(/Jersey/);
    const jersey = page.find((b) => b.text.startsWith("Under the Jersey Companies Law, a director of a Jersey company"))!;
    expect(jersey.text).not.toMatch(/Delaware/);
    const chunks = chunkDocument(doc, { ...ref, documentKey: "amcor" }, { maxWords: 180, overlapWords: 0 });
    expect(
      chunks.some((c) =>
        c.text.includes(
          "The duty of loyalty requires that a director must act in a manner he or she reasonably believes to be in the best interests of the corporation.",
        ),
      ),
    ).toBe(true);
  });

  it("drops the printed page numbers (156 pages; the few bare numbers left are table-of-contents entries)", () => {
    const bare = doc.blocks.filter((b) => /^\d{1,3}$/.test(b.text.trim()));
    expect(bare.length).toBeLessThan(10);
  });
});

describe.skipIf(!existsSync(intel))("real 10-Q: Intel 2023 Q1 (docugami)", () => {
  let doc: ParsedDocument;
  let chunks: Chunk[];
  beforeAll(async () => {
    doc = await parseDocument({ key: "2023_Q1_INTC.pdf", body: readFileSync(intel) });
    chunks = chunkDocument(doc, { ...ref, documentKey: "intc" }, { maxWords: 180, overlapWords: 0 });
  }, 60_000);

  it("a number from the income statement is in a chunk with its row label and column header", () => {
    const c = chunks.find((x) => x.kind === "table" && /Net revenue — [^\n]*Apr 1, 2023: \$11,715/.test(x.text))!;
    expect(c).toBeDefined();
    expect(c.page).toBe(6);
    expect(c.sectionPath.at(-1)).toBe("Consolidated Condensed Statements of Income");
    // The whole statement is one passage on its page too, and every chunk says whose filing it is.
    const whole = chunks.filter((x) => x.kind === "table" && x.page === 6 && x.text.includes("| Net revenue |"));
    expect(whole).toHaveLength(1);
    expect(whole[0].text).toContain("Net income");
    expect(c.sectionPath[0]).toMatch(/^Intel Corporation · Form 10-Q · quarterly period ended April 1, 2023$/);
    expect(c.metadata.context).toMatchObject({ company: "Intel Corporation", form: "10-Q", fiscalYear: 2023 });
  });

  it("running headers ('Table of Contents' link) and section footers with page numbers are gone", () => {
    const toc = doc.blocks.filter((b) => b.text.trim() === "Table of Contents");
    expect(toc.length).toBeLessThanOrEqual(1);
    expect(doc.blocks.some((b) => /^Financial Statements Consolidated Condensed Statements of Income \d+$/.test(b.text))).toBe(false);
  });
});

describe.skipIf(!existsSync(mmm))("real 10-K: 3M 2018 (financebench question 03029, FY2018 capital expenditure)", () => {
  it("the cash-flow statement keeps its year header across a section label: PP&E purchases — 2018: (1,577)", async () => {
    const doc = await parseDocument({ key: "3M_2018_10K.pdf", body: readFileSync(mmm) });
    const chunks = chunkDocument(doc, { ...ref, documentKey: "3m" }, { maxWords: 180, overlapWords: 0 });
    const page = chunks.filter((x) => x.kind === "table" && x.page === 60);
    // The statement as one passage: caption and unit, the year header, every row from net income to cash at the end.
    const whole = page.find((x) => x.text.includes("| Purchases of property, plant and equipment (PP&E) | (1,577) |"))!;
    expect(whole.text.split("\n")[0]).toBe("Consolidated Statement of Cash Flow s Years ended December 31, Millions");
    expect(whole.text).toMatch(/^\| \(Millions\) \| 2018 \| 2017 \| 2016 \|$/m);
    expect(whole.text).toContain("| Net income including noncontrolling interest | $5,363 |");
    expect(whole.text).toContain("| Cash and cash equivalents at end of period | $2,853 |");
    // ...and the row's values on lines of their own, under the same caption, in a chunk of the same page.
    const values = page.find((x) => x.text.includes("Purchases of property, plant and equipment (PP&E) — 2018: (1,577)"))!;
    expect(values.text.split("\n")[0]).toBe("Consolidated Statement of Cash Flow s Years ended December 31, Millions");
    expect(values.sectionPath[0]).toBe("3M Company · Form 10-K · fiscal year ended December 31, 2018 (FY2018)");
  }, 60_000);
});

describe.skipIf(!existsSync(adobe))("real 10-K: Adobe 2022 (financebench)", () => {
  let doc: ParsedDocument;
  beforeAll(async () => {
    doc = await parseDocument({ key: "ADOBE_2022_10K.pdf", body: readFileSync(adobe) });
  }, 60_000);

  it("section running heads repeated on consecutive pages are dropped ('NOTES ... (Continued)' on 31 pages)", () => {
    expect(doc.blocks.filter((b) => b.text.includes("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS (Continued)")).length).toBe(0);
    expect(doc.blocks.filter((b) => b.text === "ADOBE INC.").length).toBeLessThanOrEqual(2);
  });

  it("bold headings of body size nest: Item > ALL-CAPS heading > Title-case heading", () => {
    const chunks = chunkDocument(doc, { ...ref, documentKey: "adobe" }, { maxWords: 180, overlapWords: 0 });
    const revenue = chunks.find((c) => c.page === 40 && c.sectionPath.at(-1) === "Revenue")!;
    expect(revenue.sectionPath.slice(-3)).toEqual([
      "ITEM 7. MANAGEMENT’S DISCUSSION AND ANALYSIS OF FINANCIAL CONDITION AND RESULTS OF OPERATIONS",
      "RESULTS OF OPERATIONS",
      "Revenue",
    ]);
  });
});
