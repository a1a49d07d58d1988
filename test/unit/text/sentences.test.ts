import { describe, expect, it } from "vitest";
import { splitSentences, wordCount } from "../../../shared/text/sentences";

// The cases that decided against Intl.Segmenter (it cuts after "Dr.", "J." and "Jan."): the chunker and the
// grounding check rely on a sentence staying whole through them.

describe("splitSentences", () => {
  it("does not cut at titles, initials, month abbreviations or decimals", () => {
    expect(splitSentences("See Fig. 3 and e.g. the appendix. Dr. Smith agreed.")).toEqual(["See Fig. 3 and e.g. the appendix.", "Dr. Smith agreed."]);
    expect(splitSentences("J. Smith wrote it in Jan. 2020. It sold well.")).toEqual(["J. Smith wrote it in Jan. 2020.", "It sold well."]);
    expect(splitSentences("Inflation fell to 3.2 percent in the U.S. economy. Rates held.")).toEqual([
      "Inflation fell to 3.2 percent in the U.S. economy.",
      "Rates held.",
    ]);
  });

  it("cuts after a closing quote or bracket, and at ? and !", () => {
    expect(splitSentences('He said "Stop." Then he left. Is it done? Yes!')).toEqual(['He said "Stop."', "Then he left.", "Is it done?", "Yes!"]);
    expect(splitSentences("Costs fell (see note 4.) Revenue rose.")).toEqual(["Costs fell (see note 4.)", "Revenue rose."]);
  });

  it("keeps a sentence that runs on in lower case whole, and counts words", () => {
    expect(splitSentences("see section 4.2.1 for details. the next one is lower case.")).toHaveLength(1);
    expect(wordCount("  three  short words ")).toBe(3);
  });
});
