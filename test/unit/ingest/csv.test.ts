import { describe, expect, it } from "vitest";
import { parseDocument } from "../../../shared/ingest/parse";
import { parseDelimited, sniffDelimiter } from "../../../shared/ingest/parse/csv";

// CSV as spreadsheets and people write it, and as it breaks: the field rules the table chunks rely on.

describe("csv fields", () => {
  it("sniffs tab, pipe and semicolon, and stays with the comma when a quoted field holds the others", () => {
    expect(sniffDelimiter("a\tb\tc\n1\t2\t3\n")).toBe("\t");
    expect(sniffDelimiter("a|b\n1|2\n")).toBe("|");
    expect(sniffDelimiter("a;b;c\n1;2;3\n")).toBe(";");
    expect(sniffDelimiter('name,note\n"Doe; J.","a; b; c"\n"Roe; K.","d; e; f"\n')).toBe(",");
  });

  it("sniffs by records, so quoted fields that span lines and hold commas do not mislead it", () => {
    const text = 'id;address;note\n1;"Main St 4,\nOslo, NO";"a, b"\n2;"Elm St 9,\nBergen, NO";"c, d"\n3;"Oak St 1,\nMolde, NO";"e, f"\n';
    expect(sniffDelimiter(text)).toBe(";");
    expect(parseDelimited(text, ";")[1]).toEqual(["1", "Main St 4,\nOslo, NO", "a, b"]);
  });

  it("reads quotes after spaces, quotes inside a bare field, doubled quotes, ragged rows and mixed line ends", () => {
    const rows = parseDelimited('\uFEFFitem, "size, in"\r\npipe,5" wide\rvalve,"the ""big"" one",extra\nlast', ",");
    expect(rows).toEqual([["item", "size, in"], ["pipe", '5" wide'], ["valve", 'the "big" one', "extra"], ["last"]]);
  });

  it("a quote left open to the end is a corrupt file, not one giant cell", async () => {
    const err = await parseDocument({ key: "cut.csv", body: Buffer.from('a,b\n1,"never closed\n2,3\n') }).catch((e) => e);
    expect(err).toMatchObject({ code: "corrupt_document", message: expect.stringMatching(/CSV file cannot be read: Quote Not Closed/) });
  });

  it("more cells than the limit is too_large, found while reading", async () => {
    const body = Buffer.from(Array.from({ length: 100 }, (_, i) => `${i},${i * 2},${i * 3}`).join("\n"));
    await expect(parseDocument({ key: "big.csv", body }, { maxCells: 150 })).rejects.toMatchObject({
      code: "too_large",
      message: expect.stringMatching(/150 cells/),
    });
    const ok = await parseDocument({ key: "big.csv", body }, { maxCells: 300 });
    expect(ok.blocks[0].table?.rows).toHaveLength(99);
  });

  it("a TSV is typed as one and keeps its empty cells", async () => {
    const doc = await parseDocument({ key: "t.tsv", body: Buffer.from("name\tcity\tamount\nAda\t\t10\nBob\tOslo\t\n") });
    expect(doc.contentType).toBe("text/tab-separated-values");
    expect(doc.blocks[0].table?.rows).toEqual([
      ["Ada", "", "10"],
      ["Bob", "Oslo", ""],
    ]);
  });
});
