import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chunkDocument, tableChunks } from "../../../shared/ingest/chunk";
import { parseDocument } from "../../../shared/ingest/parse";
import { evidenceTerms } from "../../../shared/query/evidence-units";
import { planAnswer, questionCore, unitsOf } from "../../../shared/query/evidence";
import { preferNamedDocuments, statementNameQuery } from "../../../shared/query/named-documents";
import { corpusRows, DATASETS } from "../../helpers/datasets";

// Which unit an extractive answer quotes, on real passages of the team's datasets (read at test time, never
// copied in): financebench's gold pages (the text its `evidence` gives) and tatqa's reports.

interface FinanceQuestion {
  id: string;
  question: string;
  evidence: { doc_id: string; page_index: number; text: string }[];
}
const finance = new Map<string, FinanceQuestion>(
  readFileSync(join(DATASETS, "financebench", "questions.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FinanceQuestion)
    .map((q) => [q.id, q]),
);
const tatqaQuestion = (id: string) =>
  readFileSync(join(DATASETS, "tatqa", "questions.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; question: string; relevant_doc_ids: string[] })
    .find((q) => q.id === id)!;
const tatqaReport = (docId: string) => corpusRows("tatqa", [docId])[0].text;
/** A page as one passage: the PDF's line breaks are not sentence ends. */
const page = (q: FinanceQuestion, i = 0) => q.evidence[i].text.replace(/\s+/g, " ").trim();

/** The markdown table at the top of a tatqa report, as header and body rows. */
function markdownTable(text: string): { header: string[][]; rows: string[][] } {
  const rows = text
    .split("\n")
    .filter((l) => l.startsWith("|") && !/^\|[-|\s:]+\|$/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split("|")
        .map((c) => c.trim()),
    );
  // Header rows: the first, and those after it with an empty first cell ("|  | 2019 | 2018 |"), as the parser reads them.
  let h = 1;
  while (h < rows.length && rows[h][0] === "") h++;
  return { header: rows.slice(0, h), rows: rows.slice(h) };
}

describe("the answer quotes the unit that answers", () => {
  it("leads with the best unit of a passage, so the passage is cited where that unit stands (Ulta Beauty, SG&A as a percent of sales)", () => {
    const q = finance.get("financebench_id_00606")!;
    const source = {
      n: 1,
      documentKey: "ULTABEAUTY_2023Q4_EARNINGS.pdf",
      text: page(q),
      sectionPath: ["Ulta Beauty Announces Fourth Quarter Fiscal 2022 Results"],
    };
    const units = planAnswer(q.question, [source]).units;
    // Before, the plan read in page order and began with the sales sentence above it.
    expect(units[0].text).toMatch(/^As a percentage of net sales, SG&A expenses decreased to 23\.5%/);
  });

  it("takes a year in the question as a document's name only beside the issuer it asks about (JnJ FY2023, not Best Buy's 2023 10-K)", () => {
    const q = finance.get("financebench_id_00651")!;
    const chunks = [
      { documentKey: "evals/financebench/JOHNSON_JOHNSON_2022Q4_EARNINGS.pdf", sectionPath: [], metadata: {}, text: page(q) },
      {
        documentKey: "evals/financebench/BESTBUY_2023_10K.pdf",
        sectionPath: ["Best Buy Co., Inc. · Form 10-K · fiscal year ended January 28, 2023 (FY2023)"],
        metadata: {},
        text: "",
      },
    ];
    expect(preferNamedDocuments(q.question, chunks).map((c) => c.documentKey)).toEqual(chunks.map((c) => c.documentKey));
  });
});

describe("statements and filings", () => {
  it("reads a quarter in a filing's name, so a Q2 question prefers the 10-Q over the year's 10-K (Amcor)", () => {
    const q = finance.get("financebench_id_01936")!;
    const chunks = [
      // The context lines the chunker reads from the two filings' covers.
      {
        documentKey: "evals/financebench/AMCOR_2023_10K.pdf",
        sectionPath: ["Amcor Plc · Form 10-K · fiscal year ended June 30, 2023 (FY2023)"],
        metadata: {},
        text: "",
      },
      {
        documentKey: "evals/financebench/AMCOR_2023Q2_10Q.pdf",
        sectionPath: ["Amcor Plc · Form 10-Q · quarterly period ended December 31, 2022"],
        metadata: {},
        text: page(q),
      },
    ];
    expect(preferNamedDocuments(q.question, chunks)[0].documentKey).toBe("evals/financebench/AMCOR_2023Q2_10Q.pdf");
  });

  it("reads a question's 'capital expenditure' as the cash flow statement's purchases of property, plant and equipment (3M)", () => {
    const q = finance.get("financebench_id_03029")!;
    const line = q.evidence[0].text.split("\n").find((l) => l.startsWith("Purchases of property, plant and equipment"))!;
    expect(line).toContain("(PP&E)");
    const asked = new Set(evidenceTerms(q.question));
    expect(evidenceTerms(line).some((t) => asked.has(t) && !/\d/.test(t))).toBe(true);
    // The statement is also searched by its heading and the names asked alone, without the words that pull in notes.
    expect(statementNameQuery(q.question, questionCore(q.question))).toBe("consolidated statements of cash flows fy2018 2018 3m");
  });

  it("takes a statement's caption closed by its unit for context, not for a sentence that answers (Netflix cash flows)", () => {
    const q = finance.get("financebench_id_04458")!;
    const lines = q.evidence[1].text.split("\n").map((l) => l.trim());
    const caption = `${lines.find((l) => l.startsWith("CONSOLIDATED STATEMENTS OF CASH FLOWS"))} ${lines.find((l) => l.startsWith("(in thousands"))}`;
    expect(caption).toBe("CONSOLIDATED STATEMENTS OF CASH FLOWS (in thousands)");
    const read = unitsOf({ n: 1, text: caption });
    expect(read.units).toEqual([]);
    expect(read.context).toEqual([caption]);
  });
});

describe("table answers from tatqa reports", () => {
  it("quotes the row the question names, not a row that says more (total liabilities, not total current liabilities)", () => {
    const q = tatqaQuestion("0300bc97-6834-4b2a-ab73-ff7dcb4ab6a6");
    const text = tatqaReport(q.relevant_doc_ids[0]);
    const units = planAnswer(q.question, [{ n: 1, documentKey: "imft.txt", text }]).units;
    expect(units[0].text).toContain("$1,305");
    expect(units[0].text).toMatch(/^Total liabilities/);
  });

  it("answers 'in which years' with the whole row, which holds the years", async () => {
    const q = tatqaQuestion("0bc2f342-ba84-4967-867b-351e30f69be1");
    // Parsed and chunked as ingestion does (the eval uploads a report as a text file).
    const key = "other-assets.txt";
    const doc = await parseDocument({ key, body: Buffer.from(tatqaReport(q.relevant_doc_ids[0])), contentType: "text/plain" });
    const chunks = chunkDocument(doc, { documentKey: key, version: "1", metadata: {} }, { maxWords: 180, overlapWords: 30 });
    const units = planAnswer(
      q.question,
      chunks.map((c, i) => ({ n: i + 1, documentKey: key, text: c.text, sectionPath: c.sectionPath })),
    ).units;
    expect(units[0].text).toContain("2019");
    expect(units[0].text).toContain("2018");
  });

  it("quotes a row's value line for each of the years asked when a statement is read as value lines only", () => {
    const q = tatqaQuestion("0300bc97-6834-4b2a-ab73-ff7dcb4ab6a6");
    // A small chunk size splits the balance sheet into its rows and, after them, its value lines.
    const parts = tableChunks(markdownTable(tatqaReport(q.relevant_doc_ids[0])), 40);
    const values = parts.filter((p) => p.includes("Total liabilities — "));
    expect(values.length).toBeGreaterThan(0);
    const answer = planAnswer("How much did IMFT's total liabilities change between FY2018 and FY2019?", [
      { n: 1, documentKey: "imft.txt", text: values.join("\n") },
    ])
      .units.map((u) => u.text)
      .join(" ");
    expect(answer).toContain("Total liabilities — 2019: $909");
    expect(answer).toContain("Total liabilities — 2018: $1,305");
  });
});
