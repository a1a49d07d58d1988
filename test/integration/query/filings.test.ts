import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "../../../shared/ingest/parse";
import { runQueryJob } from "../../../shared/query/run-job";
import { submitQuery } from "../../../shared/query/submit";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { indexParsed } from "../../helpers/index-directly";
import { tempDir } from "../../helpers/tmp";
import { pdfBuffer } from "../../unit/ingest/pdf-fixtures";

// Two issuers' 10-Ks (real PDFs made with pdfkit: a cover page, a page of prose, and the cash-flow statement as
// aligned text on page 3) parsed, chunked, embedded and indexed on the embedded default (real SQLite index),
// then asked as jobs with the default extractive generator. The question names the issuer and the statement;
// the two statements share every row label, so only the document's context tells them apart.

const ROWS = [
  "Net income",
  "Depreciation and amortization",
  "Stock-based compensation",
  "Accounts receivable",
  "Inventories",
  "Accounts payable",
  "Net cash provided by operating activities",
  "Purchases of property and equipment",
  "Acquisitions, net of cash acquired",
  "Net cash used in investing activities",
  "Repayment of debt",
  "Dividends paid",
  "Net cash used in financing activities",
];

function filing(company: string, seed: number): Promise<Buffer> {
  return pdfBuffer((doc) => {
    doc.addPage();
    doc.font("Helvetica-Bold").fontSize(14).text("UNITED STATES SECURITIES AND EXCHANGE COMMISSION", 54, 60);
    doc.fontSize(14).text("FORM 10-K", 54, 90);
    doc.font("Helvetica").fontSize(10).text("ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934", 54, 120);
    doc.text("For the fiscal year ended December 31, 2023", 54, 135);
    doc.font("Helvetica-Bold").fontSize(12).text(company.toUpperCase(), 54, 170);
    doc.font("Helvetica").fontSize(9).text("(Exact name of registrant as specified in its charter)", 54, 186);
    doc.addPage();
    doc.font("Helvetica-Bold").fontSize(13).text("Item 7. Management's Discussion and Analysis", 54, 60);
    doc
      .font("Helvetica")
      .fontSize(10)
      .text(
        "We invested in new distribution centers and in the systems that serve our customers. Capital spending rose as we expanded capacity in every region. Cash from operations funded these investments and the dividend.",
        54,
        90,
        { width: 500 },
      );
    doc.addPage();
    doc.font("Helvetica-Bold").fontSize(13).text("Consolidated Statements of Cash Flows", 54, 60);
    const right = (t: string, x: number, y: number) => doc.text(t, x - doc.widthOfString(t), y, { lineBreak: false });
    doc.font("Helvetica-Bold").fontSize(10).text("(in millions)", 54, 90, { lineBreak: false });
    right("2023", 440, 90);
    right("2022", 530, 90);
    doc.font("Helvetica");
    ROWS.forEach((label, i) => {
      const y = 106 + i * 14;
      const a = 100 + seed * 1000 + i * 37;
      const neg = /Purchases|Acquisitions|Repayment|Dividends|investing|financing/.test(label);
      doc.text(label, 54, y, { lineBreak: false });
      right(neg ? `(${a.toLocaleString("en-US")})` : a.toLocaleString("en-US"), 440, y);
      right(neg ? `(${(a - 50).toLocaleString("en-US")})` : (a - 50).toLocaleString("en-US"), 530, y);
    });
  });
}

describe("answers from filings: the named issuer's statement, on its page (embedded default, real SQLite index)", () => {
  const t = tempDir();
  const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));

  beforeAll(async () => {
    await ctx.index.switchServingModel(ctx.embedder.model);
    for (const [key, company, seed] of [
      ["filings/a1.pdf", "Acme Widgets, Inc.", 1],
      ["filings/b2.pdf", "Borealis Tools Corporation", 2],
    ] as const) {
      await indexParsed(ctx, key, await parseDocument({ key, body: await filing(company, seed) }), { maxWords: 60, overlapWords: 0 });
    }
  }, 60_000);
  afterAll(async () => {
    await ctx.close();
    t.cleanup();
  });

  it("cites the named issuer's cash-flow statement page with the row, its year and its value", async () => {
    const job = await submitQuery(ctx, {
      question: "Using the cash flow statement, how much did Borealis Tools spend on purchases of property and equipment in 2023?",
    });
    expect(await runQueryJob(ctx, job.id)).toBe("completed");
    const result = (await ctx.jobs.get(job.id))!.result!;
    expect(result.abstained).toBe(false);
    expect(result.answer).toMatch(/^Purchases of property and equipment[^[]*2023: \(2,359\)[^[]*\[1\]/);
    expect(result.citations[0]).toMatchObject({ n: 1, documentKey: "filings/b2.pdf", page: 3 });
    expect(result.citations[0].sectionPath?.[0]).toBe("Borealis Tools Corporation · Form 10-K · fiscal year ended December 31, 2023 (FY2023)");
  });

  it("the other issuer's question is answered from its own filing", async () => {
    const job = await submitQuery(ctx, {
      question: "What was Acme Widgets' net cash provided by operating activities in 2023 according to its cash flow statement?",
    });
    expect(await runQueryJob(ctx, job.id)).toBe("completed");
    const result = (await ctx.jobs.get(job.id))!.result!;
    expect(result.answer).toContain("Net cash provided by operating activities — 2023: 1,322");
    expect(result.citations.every((c) => c.documentKey === "filings/a1.pdf" && c.page === 3)).toBe(true);
  });

  it("a capital expenditure question, worded as financebench words it, is answered with the statement's purchases line", async () => {
    const job = await submitQuery(ctx, {
      question:
        "What is the FY2023 capital expenditure amount (in USD millions) for Borealis Tools? Give a response to the question by relying on the details shown in the cash flow statement.",
    });
    expect(await runQueryJob(ctx, job.id)).toBe("completed");
    const result = (await ctx.jobs.get(job.id))!.result!;
    expect(result.answer).toMatch(/^Purchases of property and equipment[^[]*2023: \(2,359\)[^[]*\[1\]/);
    expect(result.citations[0]).toMatchObject({ n: 1, documentKey: "filings/b2.pdf", page: 3 });
  });

  it("a question naming an issuer that is not there abstains instead of quoting another's statement", async () => {
    const job = await submitQuery(ctx, { question: "How much did Apple spend on purchases of property and equipment in 2023?" });
    expect(await runQueryJob(ctx, job.id)).toBe("completed");
    expect((await ctx.jobs.get(job.id))!.result!.abstained).toBe(true);
  });
});
