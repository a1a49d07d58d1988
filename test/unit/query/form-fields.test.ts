import { describe, expect, it } from "vitest";
import { planAnswer, unitsOf } from "../../../shared/query/evidence";
import { fieldAsked, formFields, labelMatch } from "../../../shared/query/form-fields";

// A scanned form as OCR and the chunker leave it: one run of "LABEL: value" pairs with no sentence ends.
// (Made up here, in the shape of the FUNSD forms; test/integration/query/form-questions.test.ts asks real ones.)
const COVER =
  "NORTHWIND TRADERS FAX TRANSMITTAL TO: Dana Whitfield MANUFACTURER: ACME FROM: Lee Ortiz COMPANY: Northwind Traders " +
  "FAX NUMBER: __(555) 010-2030 DATE: 3/14/01 _ NUMBER OF PAGES INCLUDING COVER: 2 SIGNED: ____ NOTE: Please call " +
  "the sender at once if any page is missing.";
const field = (question: string) => planAnswer(question, [{ n: 1, text: COVER, sectionPath: [] }]).units.map((u) => u.text);

describe("form fields read from OCR text", () => {
  it("a run of labels is read as fields; a title glued to the first label stays with it; an upper-case value is not a label", () => {
    const run = formFields(COVER)!;
    expect(run.before).toBe("");
    expect(run.parts.filter((p) => p.field).map((p) => p.text)).toEqual([
      "NORTHWIND TRADERS FAX TRANSMITTAL TO: Dana Whitfield",
      "MANUFACTURER: ACME",
      "FROM: Lee Ortiz",
      "COMPANY: Northwind Traders",
      "FAX NUMBER: (555) 010-2030",
      "DATE: 3/14/01",
      "NUMBER OF PAGES INCLUDING COVER: 2",
      "NOTE: Please call the sender at once if any page is missing.",
    ]);
    // A blank left empty answers nothing: not a unit.
    expect(run.parts.find((p) => p.text.startsWith("SIGNED"))).toMatchObject({ field: false, empty: true });
    expect(unitsOf({ n: 1, text: COVER }).units.every((u) => u.kind === "field")).toBe(true);
  });

  it("prose with a colon or two is not a form", () => {
    expect(formFields("Note: revenue grew 5% in the quarter. Outlook: stable, as the board said at 10:30 today.")).toBeUndefined();
    expect(unitsOf({ n: 1, text: "Note: revenue grew 5% in the quarter. Outlook: stable." }).units.map((u) => u.kind)).toEqual(["sentence", "sentence"]);
  });

  it("a question names a field by its quoted label; labels compare without case, spacing or punctuation, or as a title's tail", () => {
    expect(fieldAsked('What is the value of the field "FAX NUMBER:" on this form?')).toBe("FAX NUMBER");
    expect(fieldAsked("What is in the 'Date' box?")).toBe("Date");
    expect(fieldAsked("What is the fax number?")).toBeUndefined();
    expect(labelMatch("Distribution by/to", "Distribution by/ to")).toBe(2);
    expect(labelMatch("COMPETITIVE PRODUCT INTRODUCTION TO", "TO")).toBe(1);
    expect(labelMatch("FAX NUMBER", "Fax")).toBe(0);
  });

  it("the answer is the field asked, even a label of function words only (TO, FROM)", () => {
    expect(field('What is the value of the field "FROM:" on this form?')).toEqual(["FROM: Lee Ortiz"]);
    expect(field('What is the value of the field "TO:" on this form?')).toEqual(["NORTHWIND TRADERS FAX TRANSMITTAL TO: Dana Whitfield"]);
    expect(field('What is the value of the field "Fax number" on this form?')).toEqual(["FAX NUMBER: (555) 010-2030"]);
    expect(field('What is the value of the field "MANUFACTURER:" on this form?')).toEqual(["MANUFACTURER: ACME"]);
  });

  it("a label asked is found where too few labels stand together to read as a form (a form split over chunks, a lower-case label)", () => {
    const memo = "Routing slip From: Pat Lindqvist To: Sam Okafor cc: Jo Marsh, Ren Ito Re: quarterly samples";
    expect(formFields(memo.replace(/ Re:.*/, ""))).toBeUndefined();
    const plan = (question: string) => planAnswer(question, [{ n: 1, text: memo.replace(/ Re:.*/, ""), sectionPath: [] }]).units.map((u) => u.text);
    expect(plan('What is the value of the field "cc:" on this form?')).toEqual(["cc: Jo Marsh, Ren Ito"]);
    expect(plan('What is the value of the field "To:" on this form?')).toEqual(["To: Sam Okafor"]);
    expect(plan('What is the value of the field "Date:" on this form?')).toEqual([]);
  });

  it("asked in prose, a field is matched by its words; a date in figures is a date", () => {
    expect(field("What date is on the fax?")).toEqual(["DATE: 3/14/01"]);
    expect(field("What is the fax number?")).toEqual(["FAX NUMBER: (555) 010-2030"]);
    expect(field("How many pages including the cover?")).toEqual(["NUMBER OF PAGES INCLUDING COVER: 2"]);
  });

  it("a field the form does not have, or left blank, is not answered", () => {
    expect(field('What is the value of the field "INVOICE TOTAL:" on this form?')).toEqual([]);
    expect(field('What is the value of the field "SIGNED:" on this form?')).toEqual([]);
  });
});
