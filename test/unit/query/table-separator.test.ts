import { describe, expect, it } from "vitest";
import { unitsOf } from "../../../shared/query/evidence-units";

// A PDF table read with two header rows puts markdown's separator row under the second one. The
// separator also looks like a flattened table, and it was quoted as a sentence: an answer over an
// earnings release read "$ 3,226,773 [1] | --- | --- | --- | [2]".

describe("a table's separator row", () => {
  it("is never an evidence unit, wherever it stands and however wide the table", () => {
    const text = [
      "| (Dollars in millions) | 2023 | 2022 | 2021 | FY2023 | FY2022 | FY2021 |",
      "| Net sales | $ 3,226.8 | $ 2,729.4 | $ 2,198.7 | $ 10,208.6 | $ 8,630.9 | $ 6,152.0 |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      "| Comparable sales | 15.6% | 21.4% | (4.8%) | 15.6% | 37.9% | (17.9%) |",
      "",
      "| Region | Stores |",
      "| --- | --- |",
      "| West | 12 |",
    ].join("\n");
    const { units } = unitsOf({ n: 1, text });
    expect(units.some((u) => u.text.includes("---"))).toBe(false);
    expect(units.map((u) => u.text)).toContain("Comparable sales; 2023: 15.6%; 2022: 21.4%; 2021: (4.8%); FY2023: 15.6%; FY2022: 37.9%; FY2021: (17.9%)");
    expect(units.map((u) => u.text)).toContain("West; Stores: 12");
  });
});
