import { describe, expect, it } from "vitest";
import { ExtractiveGenerator } from "../../../shared/adapters/local/extractive-generator";
import { tableChunks } from "../../../shared/ingest/chunk";
import { answerType, DEFAULT_THRESHOLDS, holdsType, planAnswer, questionCore, scoreEvidence, supports, unitsOf } from "../../../shared/query/evidence";
import { carriesNamesAsked, namedTerms, preferNamedDocuments, statementQuery, withoutStatementNames } from "../../../shared/query/named-documents";
import { NO_ANSWER } from "../../../shared/text/no-answer";

const answer = async (question: string, sources: { n: number; documentKey: string; text: string; sectionPath?: string[] }[]) => {
  let out = "";
  // The query's plan, quoted by the generator, as the job runner passes it.
  const quote = planAnswer(question, sources).units.map(({ n, text }) => ({ n, text }));
  for await (const d of new ExtractiveGenerator().generate({ question, sources, quote })) out += d;
  return out;
};

// A numeric table as the chunker writes it: markdown rows, then `row — column: value` lines.
const SALES = tableChunks(
  {
    header: [["", "2019", "2018", "2017"]],
    rows: [
      ["Fixed Price", "$ 1,452.4", "$ 1,146.2", "$ 1,036.9"],
      ["Other", "44.1", "56.7", "70.8"],
      ["Total sales", "$1,496.5", "$1,202.9", "$1,107.7"],
    ],
  },
  180,
)[0];

describe("evidence units", () => {
  it("keeps titles as context, splits sentences, and gives table rows their column headers", () => {
    const { units, context } = unitsOf({ n: 1, text: "Prime Minister of Canada\nThe prime minister advises the Crown. The post is not head of state." });
    expect(context).toEqual(["Prime Minister of Canada"]);
    expect(units.map((u) => u.text)).toEqual(["The prime minister advises the Crown.", "The post is not head of state."]);
    const table = unitsOf({ n: 2, text: "| Name | Role |\n| --- | --- |\n| Ada | engineer |" });
    expect(table.units).toMatchObject([{ kind: "table-row", text: "Ada; Role: engineer" }]);
  });

  it("knows what kind of answer a question asks for", () => {
    expect(answerType("when were books of the new testament written")).toBe("time");
    expect(answerType("How many employees did the company have?")).toBe("number");
    expect(answerType("who sang the song the reverend mr black")).toBe("name");
    expect(answerType("what is the function of insulin")).toBe("any");
    // ...and whether a sentence holds one.
    expect(holdsType("The bridge was opened by the mayor.", "time")).toBe(false);
    expect(holdsType("The wall stood from 1961 to 1989.", "time")).toBe(true);
    expect(holdsType("it was recorded by the trio.", "name")).toBe(false);
    expect(holdsType("It was recorded by The Kingston Trio in 1963.", "name")).toBe(true);
  });
});

describe("extractive answers from the evidence check", () => {
  it("answers a value question with the one table value line, not the table", async () => {
    const text = await answer("What is the amount of total sales in 2019?", [{ n: 1, documentKey: "r.md", text: SALES }]);
    expect(text).toBe("Total sales — 2019: $1,496.5 [1]");
  });

  it("reads 'total assets' as a row label, not an instruction to add up", () => {
    const text = "Balance sheet, in millions\nCurrent assets / Other current assets — 2021: 1,312\nTotal assets — 2021: 59,268";
    expect(planAnswer("What were the total assets in 2021?", [{ n: 1, text, documentKey: "b.pdf" }]).units.map((u) => u.text)).toEqual([
      "Total assets — 2021: 59,268",
    ]);
  });

  it("reads a markdown table flattened onto one line: the asked year's value, or the row for several years", () => {
    const text =
      "| | December 31, | | |---|---|---| | | 2019 | 2018 | | Rent and other deposits | 6,106 | 5,687 | | Value added tax receivables, net | 592 | 519 | Note 15. Other assets consisted of the following.";
    const ask = (q: string) => planAnswer(q, [{ n: 1, text, documentKey: "r.txt" }]).units.map((u) => u.text);
    expect(ask("What was the amount of Value added tax receivables, net in 2019?")).toEqual(["Value added tax receivables, net — December 31, / 2019: 592"]);
    expect(ask("What was the amount of Rent and other deposits in 2018?")).toEqual(["Rent and other deposits — 2018: 5,687"]);
    expect(ask("What were the rent and other deposits in 2019 and 2018?")).toEqual(["Rent and other deposits; December 31, / 2019: 6,106; 2018: 5,687"]);
  });

  it("abstains when the passage names the topic but no sentence answers the question's focus", async () => {
    const sources = [
      {
        n: 1,
        documentKey: "e3.txt",
        text: "The Expendables 3\nOn June 5, a new TV promo with new footage was released. The film grossed $214 million worldwide.",
      },
    ];
    expect(await answer("where was final scene of expendables 3 filmed", sources)).toBe(NO_ANSWER);
    const units = scoreEvidence("where was final scene of expendables 3 filmed", sources);
    expect(units.find((u) => u.text.startsWith("On June 5"))).toMatchObject({ focus: 0 }); // only the title matched
    expect(units.some((u) => supports(u, DEFAULT_THRESHOLDS))).toBe(false); // and no sentence says where
  });

  it("abstains on a 'when' question whose best sentence holds no time", async () => {
    const sources = [{ n: 1, documentKey: "b.txt", text: "The bridge\nThe bridge was opened by the mayor with a ceremony." }];
    expect(await answer("when was the bridge opened", sources)).toBe(NO_ANSWER);
    const dated = [{ n: 1, documentKey: "b.txt", text: "The bridge\nThe bridge was opened by the mayor in 1932." }];
    expect(await answer("when was the bridge opened", dated)).toBe("The bridge was opened by the mayor in 1932. [1]");
  });

  it("quotes one document, the answering source first", async () => {
    const sources = [
      { n: 1, documentKey: "other.txt", text: "Glaciers carve valleys over thousands of years." },
      {
        n: 2,
        documentKey: "insulin.txt",
        text: "Insulin\nInsulin is a peptide hormone produced by beta cells of the pancreatic islets. It regulates the metabolism of carbohydrates.",
      },
    ];
    const plan = planAnswer("what is the function of insulin and where is it produced", sources);
    expect(new Set(plan.units.map((u) => u.n))).toEqual(new Set([2]));
  });
});

describe("the question's core", () => {
  it("drops instructions about the answer's form, which no document contains", () => {
    expect(questionCore("What is Netflix's FY2017 total current liabilities (in USD millions)? Base your judgments on the balance sheet.")).toBe(
      "What is Netflix's FY2017 total current liabilities ?",
    );
    expect(
      questionCore(
        "Using the cash flow statement, answer the following question: how much did Block generate from operations in FY2020? Answer in USD millions.",
      ),
    ).toBe("how much did Block generate from operations in FY2020?");
    expect(questionCore("who sang the song the reverend mr black")).toBe("who sang the song the reverend mr black");
    // A preamble before the question, and a leading clause that says where to look.
    expect(
      questionCore(
        "We want to calculate a financial metric. Please help us compute it from the statement of income. Here's the question: what is the FY2015 EBITDA margin for Netflix? Calculate it from operating income.",
      ),
    ).toBe("what is the FY2015 EBITDA margin for Netflix?");
    expect(questionCore("In agreement with the information outlined in the income statement, what is the FY2017 net profit margin for Best Buy?")).toBe(
      "what is the FY2017 net profit margin for Best Buy?",
    );
    expect(questionCore("Using 2019 figures, how did revenue change?")).toBe("Using 2019 figures, how did revenue change?");
    expect(questionCore("Based on what you know, the sky is blue")).toBe("Based on what you know, the sky is blue");
  });
});

describe("documents named by the question", () => {
  it("finds company names, tickers and years", () => {
    expect(namedTerms("What are Netflix's total current liabilities for FY2017?")).toEqual(expect.arrayContaining(["netflix", "2017"]));
    expect(namedTerms("What is the FY2018 capital expenditure amount for 3M?")).toEqual(expect.arrayContaining(["3m", "2018"]));
    expect(namedTerms("how do coral reefs bleach")).toEqual([]);
    expect(namedTerms("What was Best Buy's FY2023 revenue?")).toEqual(expect.arrayContaining(["best", "buy", "bestbuy", "2023"]));
  });

  it("moves chunks of the named document first, keeps the rest behind, and changes nothing without a match", () => {
    const chunk = (documentKey: string) => ({ documentKey, sectionPath: [], metadata: {} });
    const ranked = [chunk("filings/3M_2018_10K.pdf"), chunk("filings/NETFLIX_2017_10K.pdf"), chunk("filings/3M_2018_10K.pdf")];
    expect(preferNamedDocuments("What are Netflix's current liabilities?", ranked).map((c) => c.documentKey)).toEqual([
      "filings/NETFLIX_2017_10K.pdf",
      "filings/3M_2018_10K.pdf",
      "filings/3M_2018_10K.pdf",
    ]);
    expect(preferNamedDocuments("What are Apple's current liabilities?", ranked)).toEqual(ranked);
  });

  it("reads the issuer and fiscal year the chunker found on the cover (metadata.context) when the file name says nothing", () => {
    const filing = (documentKey: string, company: string, fiscalYear: number) => ({
      documentKey,
      sectionPath: [],
      metadata: { context: { company, form: "10-K", fiscalYear } },
    });
    const ranked = [filing("inbox/a1.pdf", "3M Company", 2018), filing("inbox/b2.pdf", "Netflix, Inc.", 2017), filing("inbox/c3.pdf", "Netflix, Inc.", 2015)];
    expect(preferNamedDocuments("What were Netflix's current liabilities in FY2017?", ranked).map((c) => c.documentKey)).toEqual([
      "inbox/b2.pdf",
      "inbox/c3.pdf",
      "inbox/a1.pdf",
    ]);
  });

  it("a question that names a financial statement prefers that statement's chunks within the named document, and searches for it by its heading", () => {
    const chunk = (documentKey: string, heading: string, text = "") => ({ documentKey, sectionPath: ["Item 8", heading], metadata: {}, text });
    const ranked = [
      chunk("f/COSTCO_2021_10K.pdf", "Note 6—Leases"),
      chunk("f/COSTCO_2021_10K.pdf", "Notes", "CONSOLIDATED BALANCE SHEETS (amounts in millions)\nTotal assets — 2021: 59,268"),
      chunk("f/BESTBUY_2023_10K.pdf", "Consolidated Balance Sheets"),
    ];
    const q = "Using only the information within the balance sheet, how much total assets did Costco have at the end of FY2021?";
    expect(preferNamedDocuments(q, ranked).map((c) => c.sectionPath[1])).toEqual(["Notes", "Note 6—Leases", "Consolidated Balance Sheets"]);
    expect(statementQuery(q, "how much total assets did Costco have at the end of FY2021?")).toBe(
      "consolidated balance sheets how much total assets did Costco have at the end of FY2021?",
    );
    expect(statementQuery("What was the role of the board?", "")).toBeUndefined();
  });
});

describe("a question that names a statement (cited page)", () => {
  const chunk = (sectionPath: string[], text: string) => ({
    documentKey: "f/COSTCO_2021_10K.pdf",
    sectionPath: ["Costco Wholesale Corporation · Form 10-K · FY2021", ...sectionPath],
    metadata: {},
    text,
  });
  const q = "Using only the information within the balance sheet, how much total assets did Costco have at the end of FY2021?";

  it("puts the statement under its unit line first, not a note's sentence that mentions the balance sheets", () => {
    const note = chunk(["Item 8", "Note 6—Leases"], "Included in other long-term assets in the consolidated balance sheets.\nOperating lease liabilities.");
    const statement = chunk(
      ["Item 8", "CONSOLIDATED BALANCE SHEETS", "(amounts in millions, except par value and share data)"],
      "(amounts in millions, except par value and share data)\nTOTAL ASSETS — August 29, / 2021: $59,268",
    );
    expect(preferNamedDocuments(q, [note, statement])).toEqual([statement, note]);
  });

  it("ranks a document by its best chunk, so a deeper heading repeating a year does not outrank the statement", () => {
    const mdna = chunk(["Item 7", "Fiscal 2021 Compared With Fiscal 2020"], "Net sales increased 18%.");
    const statement = chunk(["Item 8", "CONSOLIDATED BALANCE SHEETS"], "TOTAL ASSETS — 2021: $59,268");
    expect(preferNamedDocuments(q, [mdna, statement])).toEqual([statement, mdna]);
  });

  it("does not count the statement's name as words to find in the answer", () => {
    expect(withoutStatementNames(q)).toBe("Using only the information within the , how much total assets did Costco have at the end of FY2021?");
    const scored = scoreEvidence(q.replace("FY2021", "2021"), [
      {
        n: 1,
        documentKey: "f/COSTCO_2021_10K.pdf",
        sectionPath: ["Note 6—Leases"],
        text: "Goodwill is included in other long-term assets in the consolidated balance sheets.",
      },
      {
        n: 2,
        documentKey: "f/COSTCO_2021_10K.pdf",
        sectionPath: ["CONSOLIDATED BALANCE SHEETS"],
        text: "CONSOLIDATED BALANCE SHEETS, in millions\nTOTAL ASSETS — August 29, / 2021: $59,268",
      },
    ]);
    // The statement's own line, not the note's sentence that names the statement.
    expect(scored[0]).toMatchObject({ n: 2, text: "TOTAL ASSETS — August 29, / 2021: $59,268" });
  });
});

describe("abstention: the question's names on the evidence's document", () => {
  const sources = (documentKey: string, sectionPath: string[]) => [
    {
      n: 1,
      documentKey,
      sectionPath,
      text: "Consolidated Statements of Cash Flows (in thousands)\nNet cash provided by operating activities — 2020: 381,603",
    },
  ];
  const q = "How much cash did Block generate from its operations in FY2020?";

  it("answers from a document that carries every name the question gives, at the looser calibrated point", () => {
    // Topic terms (Block, 2020) are the context's; of the rest only "operations" is in the line: below the strict focus.
    const block = sources("filings/cover.pdf", ["Block, Inc. · Form 10-K · fiscal year ended December 31, 2020 (FY2020)", "Item 8"]);
    expect(planAnswer(q, block, { ...DEFAULT_THRESHOLDS, learned: undefined, named: undefined }).units).toEqual([]);
    expect(planAnswer(q, block).units.map((u) => u.text)).toEqual(["Net cash provided by operating activities — 2020: 381,603"]);
  });

  it("keeps the strict point when the document is another issuer's", () => {
    const other = sources("filings/cover.pdf", ["Square Enix Holdings · Form 10-K · fiscal year ended December 31, 2020 (FY2020)", "Item 8"]);
    expect(planAnswer(q, other).units).toEqual([]);
  });

  it("a question's names are carried when at least half are on the document (capitalised common words count as names), periods aside", () => {
    const amex = {
      documentKey: "f/AMERICANEXPRESS_2022_10K.pdf",
      sectionPath: ["American Express Company · Form 10-K · fiscal year ended December 31, 2022 (FY2022)"],
    };
    expect(carriesNamesAsked("What was the largest liability in American Express's Balance Sheet in 2022?", amex)).toBe(true);
    expect(carriesNamesAsked("What were Apple's current liabilities in FY2022?", amex)).toBe(false);
  });

  it("the better-ranked document answers when it can, even if a lower source of another document scores higher", () => {
    const q = "By how much did Pepsico increase its unsecured five year revolving credit agreement on May 26, 2023?";
    const plan = planAnswer(q, [
      {
        n: 1,
        documentKey: "f/PEPSICO_2023_8K.pdf",
        text: "Effective May 26, 2023, PepsiCo terminated the $3,800,000,000 five year unsecured revolving credit agreement and entered into a new $4,200,000,000 agreement.",
      },
      {
        n: 2,
        documentKey: "f/PEPSICO_2022_10K.pdf",
        text: "Also in 2022, we entered into a new five year unsecured revolving credit agreement, increasing the unsecured revolving credit.",
      },
    ]);
    expect(plan.units.map((u) => u.n)).toEqual([1]);
  });
});

describe("an amount is not answered with a share", () => {
  // As the chunker writes an income statement with its "percentage of revenue" rows (tried as a user on
  // Adobe's 10-K: "What was Adobe's total revenue in fiscal 2022?" was answered "Percentage of total revenue — 2022: 93 %").
  const INCOME = tableChunks(
    {
      header: [["", "2022", "2021"]],
      rows: [
        ["Subscription", "$ 16,388", "$ 14,573"],
        ["Percentage of total revenue", "93 %", "92 %"],
        ["Total revenue", "$ 17,606", "$ 15,785"],
      ],
    },
    180,
  )[0];
  const sources = [
    {
      n: 1,
      documentKey: "f/ADOBE_2022_10K.pdf",
      sectionPath: ["Adobe Inc. · Form 10-K · fiscal year ended December 2, 2022 (FY2022)", "Results of Operations"],
      text: INCOME,
    },
  ];

  it("a question about revenue gets the revenue line; a question about a percentage still gets the percentage", () => {
    expect(planAnswer("What was Adobe's total revenue in fiscal 2022?", sources).units.map((u) => u.text)[0]).toMatch(/^Total revenue\b.*17,606/);
    expect(planAnswer("What was the percentage of total revenue in 2022?", sources).units.map((u) => u.text)[0]).toMatch(/93 %/);
  });
});
