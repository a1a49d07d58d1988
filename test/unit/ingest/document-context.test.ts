import { describe, expect, it } from "vitest";
import type { Block, ParsedDocument } from "../../../shared/domain/document";
import { chunkDocument } from "../../../shared/ingest/chunk";
import { contextLine, documentContext } from "../../../shared/ingest/parse/document-context";

// Cover pages as the PDF parser reads them (blocks of real filings' first pages, shortened).

const para = (text: string, page = 1): Block => ({ kind: "paragraph", text, page });
const head = (text: string, page = 1, level = 1): Block => ({ kind: "heading", text, page, level });
const pdf = (blocks: Block[], title?: string): ParsedDocument => ({ contentType: "application/pdf", blocks, title });

const ACTIVISION = pdf([
  head("UNITED STATES SECURITIES AND EXCHANGE COMMISSION"),
  para("Washington, D.C. 20549"),
  head("FORM 10-K"),
  para("☒ ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934 For the Fiscal Year Ended December 31, 2019"),
  para("Commission File Number 1-15839 ACTIVISION BLIZZARD, INC. (Exact name of registrant as specified in its charter)"),
  para("Delaware 95-4803544"),
  head("PART II", 40),
  head("Item 8. Financial Statements", 40, 2),
  para("Net revenues were $6,489 million in 2019.", 40),
]);

describe("document context from the cover page", () => {
  it("reads issuer, form and fiscal year of a 10-K from the registrant line", () => {
    expect(documentContext(ACTIVISION)).toMatchObject({
      company: "Activision Blizzard, Inc.",
      form: "10-K",
      period: "fiscal year ended December 31, 2019",
      fiscalYear: 2019,
    });
    expect(contextLine(documentContext(ACTIVISION))).toBe("Activision Blizzard, Inc. · Form 10-K · fiscal year ended December 31, 2019 (FY2019)");
  });

  it("a cover without the registrant caption: the short line ending like a company name (3M COMPANY)", () => {
    const doc = pdf(
      [
        head("UNITED STATES SECURITIES AND EXCHANGE COMMISSION"),
        head("FORM 10-K"),
        para("☒ ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934 For the fiscal year ended December 31, 2018"),
        para("Commission file number 1-3285"),
        para("State of Incorporation: Delaware"),
        head("3M COMPANY"),
      ],
      "10-K - 02/07/2019 - 3M Company",
    );
    expect(documentContext(doc)).toMatchObject({ company: "3M Company", form: "10-K", fiscalYear: 2018 });
  });

  it("a 10-Q's quarterly period, the registrant on the line above its caption", () => {
    const doc = pdf([
      head("FORM 10-Q"),
      para("QUARTERLY REPORT PURSUANT TO SECTION 13 OR 15(d) For the quarterly period ended July 29, 2023"),
      para("BEST BUY CO., INC."),
      para("(Exact name of registrant as specified in its charter)"),
    ]);
    expect(contextLine(documentContext(doc))).toBe("Best Buy Co., Inc. · Form 10-Q · quarterly period ended July 29, 2023");
  });

  it("a document that is not a filing keeps only its title; a text file's first paragraph is not a title", () => {
    expect(documentContext(pdf([para("We met on Tuesday.")], "Travel policy 2024"))).toEqual({ title: "Travel policy 2024" });
    expect(documentContext({ contentType: "text/plain", title: "Forecasting", blocks: [para("Forecasting"), para("Seasonality is ...")] })).toEqual({});
  });
});

describe("chunks carry the document context", () => {
  it("every chunk's section path starts with the context line, also chunks far from the cover, and metadata.context holds the fields", () => {
    const chunks = chunkDocument(
      ACTIVISION,
      { documentKey: "atvi.pdf", version: "v1", metadata: { department: "finance" } },
      { maxWords: 50, overlapWords: 0 },
    );
    const revenue = chunks.find((c) => c.text.includes("$6,489 million"))!;
    expect(revenue.sectionPath).toEqual([
      "Activision Blizzard, Inc. · Form 10-K · fiscal year ended December 31, 2019 (FY2019)",
      "PART II",
      "Item 8. Financial Statements",
    ]);
    expect(revenue.text).not.toContain("Activision"); // the displayed text is the chunk's own
    expect(revenue.metadata).toMatchObject({ department: "finance", context: { company: "Activision Blizzard, Inc.", form: "10-K", fiscalYear: 2019 } });
  });

  it("a plain text document's chunks are as before: no context, metadata untouched", () => {
    const doc: ParsedDocument = {
      contentType: "text/plain",
      title: "Forecasting",
      blocks: [para("Forecasting"), para("Seasonality is a characteristic of a time series.")],
    };
    const [c] = chunkDocument(doc, { documentKey: "f.txt", version: "v1", metadata: {} }, { maxWords: 50, overlapWords: 0 });
    expect(c.sectionPath).toEqual([]);
    expect(c.metadata).toEqual({});
  });
});
