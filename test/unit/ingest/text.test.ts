import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { parseDocument } from "../../../shared/ingest/parse";

const sample = "Überweisung für Müller: 1 200 € bis März.\n\nZweiter Absatz – mit Gedankenstrich.";

describe("text encodings", () => {
  it.each([
    ["utf-8", Buffer.from(sample, "utf8")],
    ["utf-8 with BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sample, "utf8")])],
    ["utf-16le with BOM", Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(sample, "utf-16le")])],
    ["utf-16be with BOM", Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(sample, "utf-16be")])],
    ["windows-1252", iconv.encode(sample, "windows-1252")],
  ])("decodes %s", async (_name, body) => {
    const doc = await parseDocument({ key: "note.txt", body });
    expect(doc.blocks.map((b) => b.text)).toEqual(["Überweisung für Müller: 1 200 € bis März.", "Zweiter Absatz – mit Gedankenstrich."]);
  });

  it("decodes latin1 markdown and keeps its headings", async () => {
    const doc = await parseDocument({ key: "notes.md", body: iconv.encode("# Résumé\n\nÉté à Orléans.", "latin1") });
    expect(doc.blocks.map((b) => b.text)).toEqual(["Résumé", "Été à Orléans."]);
  });
});
