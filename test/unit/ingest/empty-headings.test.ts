import { describe, expect, it } from "vitest";
import type { Block } from "../../../shared/domain/document";
import { chunkDocument } from "../../../shared/ingest/chunk";

// A heading is indexed through the section path of the chunks under it. One with nothing under it (a
// form's filled-in field that OCR read as a heading because it is large, an empty section) had no chunk
// to carry it, and its words were never indexed: FUNSD form 82573104 lost "Date:", "December 9, 1999",
// "To" and the rest of its fields this way.

const opts = { maxWords: 60, overlapWords: 12 };
const ref = { documentKey: "fax.png", version: "v1", metadata: {} };
const indexedWords = (blocks: Block[]) =>
  new Set(
    chunkDocument({ contentType: "image/png", blocks }, ref, opts)
      .flatMap((c) => [...c.sectionPath, c.text])
      .join(" ")
      .toLowerCase()
      .match(/[a-z0-9]+/g),
  );

describe("headings with nothing under them", () => {
  it("keeps every word of a run of headings, in the middle and at the end of a document", () => {
    const blocks: Block[] = [
      { kind: "heading", level: 1, text: "COVINGTON & BURLING", page: 1 },
      { kind: "paragraph", text: "1201 Pennsylvania Avenue, Washington.", page: 1 },
      { kind: "heading", level: 1, text: "Date:", page: 1 },
      { kind: "heading", level: 1, text: "December 9, 1999", page: 1 },
      { kind: "heading", level: 1, text: "To", page: 1 },
      { kind: "heading", level: 1, text: "Haney Bell", page: 1 },
      { kind: "heading", level: 1, text: "Room:", page: 1 },
      { kind: "paragraph", text: "803E", page: 1 },
      { kind: "heading", level: 1, text: "Pages including cover", page: 1 },
      { kind: "heading", level: 1, text: "MESSAGE:", page: 1 },
    ];
    const words = indexedWords(blocks);
    for (const w of ["covington", "date", "december", "1999", "to", "haney", "bell", "room", "803e", "pages", "cover", "message"])
      expect(words, w).toContain(w);
  });

  it("adds no chunk where every heading has text under it", () => {
    const blocks: Block[] = [
      { kind: "heading", level: 1, text: "Handbook" },
      { kind: "heading", level: 2, text: "Leave" },
      { kind: "paragraph", text: "Staff take leave in agreement with their manager." },
      { kind: "heading", level: 2, text: "Travel" },
      { kind: "paragraph", text: "Travel is booked through the portal." },
    ];
    const chunks = chunkDocument({ contentType: "text/markdown", blocks }, ref, opts);
    expect(chunks.map((c) => [c.sectionPath.join(" > "), c.text])).toEqual([
      ["Handbook > Leave", "Staff take leave in agreement with their manager."],
      ["Handbook > Travel", "Travel is booked through the portal."],
    ]);
  });
});
