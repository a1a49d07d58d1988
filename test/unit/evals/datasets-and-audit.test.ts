import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseCsv, toCsv } from "../../../evals/audit/csv";
import { importSheet, parseVerdict, sheetCsv, type AuditKey } from "../../../evals/audit/sheet";
import { listDatasets, loadDataset, loadQuestionFile } from "../../../evals/datasets/loader";
import { documentsFor, seededSample, selectQuestions } from "../../../evals/datasets/select";
import { parseSuite } from "../../../evals/suite";

// A toy dataset in the team's format, written here (no dataset text is copied into the repo).
const root = mkdtempSync(join(tmpdir(), "ragline-evals-unit-"));
const toy = join(root, "toy");
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
mkdirSync(join(toy, "docs"), { recursive: true });
writeFileSync(join(toy, "README.md"), "| | |\n|---|---|\n| license | CC0 (test) |\n");
writeFileSync(
  join(toy, "corpus.jsonl"),
  jsonl([
    {
      id: "d1",
      title: "Cats",
      text: "Cats sleep a lot. They purr.",
      sentence_spans: [
        [0, 17],
        [18, 28],
      ],
    },
    { id: "d2", title: "", text: "Dogs bark." },
    { id: "unans-q3", title: "Birds", text: "Birds sing." },
    { id: "d/4", title: "Slash", text: "An id with a slash." },
  ]),
);
writeFileSync(join(toy, "docs.jsonl"), jsonl([{ id: "report", file: "docs/report.pdf" }]));
writeFileSync(join(toy, "docs", "report.pdf"), "%PDF-1.4 not really");
writeFileSync(
  join(toy, "questions.jsonl"),
  jsonl([
    { id: "q1", question: "Do cats sleep?", answers: ["SUPPORT"], relevant_doc_ids: ["d1"], evidence: [{ doc_id: "d1", label: "SUPPORT", sentences: [[1]] }] },
    { id: 2, question: "Do dogs bark?", answers: ["yes"], relevant_doc_ids: ["d2"], selected_sentences: ["Dogs bark."] },
    { id: "q3", question: "Do birds fly?", answers: [], relevant_doc_ids: [], answerable: false },
    { id: "q4", question: "What does the report say?", relevant_doc_ids: ["report"] },
  ]),
);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("dataset loader", () => {
  it("reads questions, corpus rows as .txt documents and docs.jsonl files", async () => {
    expect(listDatasets(root)).toEqual(["toy"]);
    const ds = loadDataset("toy", { root });
    expect(ds.license).toBe("CC0 (test)");
    expect(ds.questions.map((q) => q.id)).toEqual(["q1", "2", "q3", "q4"]);
    expect(ds.documentIds).toEqual(["d1", "d2", "unans-q3", "d/4", "report"]);
    expect((await ds.document("d1")!.read()).toString()).toBe("Cats\n\nCats sleep a lot. They purr.");
    expect((await ds.document("d2")!.read()).toString()).toBe("Dogs bark.");
    expect(ds.document("d/4")!.fileName).toBe("d_4.txt");
    expect(ds.document("report")).toMatchObject({ fileName: "report.pdf", contentType: "application/pdf" });
  });

  it("derives evidence sentences, answerability and companion documents", () => {
    const [q1, q2, q3, q4] = loadDataset("toy", { root }).questions;
    expect(q1.evidence).toEqual(["They purr."]); // sentence index 1 through sentence_spans
    expect(q2.evidence).toEqual(["Dogs bark."]);
    expect(q3).toMatchObject({ answerable: false, companionDocIds: ["unans-q3"] });
    expect(q4).toMatchObject({ answers: [], answerable: true });
  });

  it("takes a folder path, or a question file of one's own", () => {
    expect(loadDataset(toy).name).toBe("toy");
    const own = join(root, "mine.jsonl");
    writeFileSync(own, jsonl([{ id: "u1", question: "What is our refund policy?" }]));
    const ds = loadQuestionFile(own);
    expect(ds.questions).toHaveLength(1);
    expect(ds.documentIds).toEqual([]);
    expect(() => loadDataset("nope", { root })).toThrow(/no dataset/);
  });
});

describe("selection", () => {
  const ds = loadDataset("toy", { root });

  it("a limit keeps the answerable/unanswerable mix, in file order", () => {
    // 1 of 4 questions is unanswerable: a limit of 2 takes round(2 × 1/4) = 1 of them
    expect(selectQuestions(ds, { limit: 2 }).map((q) => q.id)).toEqual(["q1", "q3"]);
    expect(selectQuestions(ds, { limit: 4 }).map((q) => q.id)).toEqual(["q1", "2", "q3", "q4"]);
  });

  it("documents: gold and companions plus N distractors, or the whole corpus", () => {
    const qs = selectQuestions(ds, { limit: 4 });
    expect(documentsFor(ds, qs.slice(0, 1), 1)).toEqual(["d1", "d2"]);
    expect(documentsFor(ds, qs.slice(2, 3), 0)).toEqual(["unans-q3"]);
    expect(documentsFor(ds, qs)).toHaveLength(5);
  });

  it("seeded samples repeat", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    expect(seededSample(xs, 10, 42)).toEqual(seededSample(xs, 10, 42));
    expect(seededSample(xs, 10, 42)).not.toEqual(seededSample(xs, 10, 43));
    expect(new Set(seededSample(xs, 100, 1)).size).toBe(100);
  });

  it("suite specs", () => {
    expect(parseSuite("gate").parts.map((p) => p.dataset)).toEqual(["scifact", "clapnq"]);
    expect(parseSuite("scifact:50:200, clapnq").parts).toEqual([
      { dataset: "scifact", limit: 50, distractors: 200 },
      { dataset: "clapnq", limit: undefined, distractors: undefined },
    ]);
    expect(() => parseSuite("scifact:x")).toThrow(/whole number/);
  });
});

describe("audit sheet", () => {
  it("CSV round-trips commas, quotes and line breaks", () => {
    const rows = [
      ["item", "answer"],
      ["A01", 'He said "yes", then\nleft.'],
      ["A02", " padded "],
    ];
    expect(parseCsv(toCsv(rows))).toEqual(rows);
    expect(parseCsv("\uFEFFa,b\r\n1,2\r\n")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("verdicts: words or their first letter, nothing else", () => {
    expect(parseVerdict("Useful")).toBe("useful");
    expect(parseVerdict("p")).toBe("partly");
    expect(parseVerdict("")).toBeUndefined();
    expect(() => parseVerdict("maybe")).toThrow(/not a verdict/);
  });

  it("imports the filled sheet: useful share with its interval, agreement with the automatic verdicts", () => {
    const blank = sheetCsv([1, 2, 3, 4, 5].map((i) => ({ item: `A0${i}`, question: `q${i}`, answer: "a, b", sources: "[1] x", reference: "" })));
    const [header, ...rows] = parseCsv(blank);
    const verdictCol = header.indexOf("verdict");
    const human = ["useful", "useful", "partly", "wrong", ""];
    rows.forEach((r, i) => {
      r[verdictCol] = human[i];
    });
    const key: AuditKey = {
      version: 1,
      reportId: "r",
      createdAt: "",
      backends: {},
      items: ["useful", "partly", "partly", "wrong", "wrong"].map((v, i) => ({
        item: `A0${i + 1}`,
        dataset: "toy",
        questionId: `q${i}`,
        autoVerdict: v as "useful",
      })),
    };
    const r = importSheet(toCsv([header, ...rows]), key);
    expect(r.counts).toEqual({ useful: 2, partly: 1, wrong: 1 });
    expect(r.unscored).toEqual(["A05"]);
    expect(r.usefulShare!.value).toBe(0.5);
    expect(r.usefulShare!.n).toBe(4);
    // person vs auto on the 4 scored: useful/useful, useful/partly, partly/partly, wrong/wrong → 3 of 4
    expect(r.agreement).toMatchObject({ share: 0.75, n: 4 });
  });
});
