import { describe, expect, it } from "vitest";
import { configSchema } from "../../../shared/runtime/config";
import { deploySettingsFrom, FORWARDED, NOT_FORWARDED } from "../../../stacks/settings";

// Every setting of the one configuration schema either reaches the Lambda functions (forwarded from
// the deploying machine, as a secret, or set by the stacks) or says why it means nothing there.

describe("settings on AWS", () => {
  const schemaKeys = Object.keys(configSchema.shape);

  it("every setting of the configuration schema is forwarded or listed with the reason it is not", () => {
    const forwarded = new Set<string>(FORWARDED);
    expect(schemaKeys.filter((k) => !forwarded.has(k) && !(k in NOT_FORWARDED))).toEqual([]);
    expect(schemaKeys.filter((k) => forwarded.has(k) && k in NOT_FORWARDED)).toEqual([]);
    // Nothing listed that the configuration does not read.
    expect([...forwarded, ...Object.keys(NOT_FORWARDED)].filter((k) => !schemaKeys.includes(k) && k !== "LOG_LEVEL")).toEqual([]);
  });

  it("forwards what is set on the deploying machine, and a value the configuration accepts", () => {
    const env = { RAGLINE_TOP_K: "8", RAGLINE_CHUNK_WORDS: "200", RAGLINE_DEFAULT_ACCESS: '[{"prefix":"","acl":["nobody"]}]', RAGLINE_DATA_DIR: "/elsewhere" };
    const s = deploySettingsFrom("prod", env);
    expect(s.environment).toMatchObject({ RAGLINE_TOP_K: "8", RAGLINE_CHUNK_WORDS: "200", RAGLINE_AUTH: "required" });
    expect(s.environment?.RAGLINE_DATA_DIR).toBeUndefined();
    expect(configSchema.safeParse({ ...s.environment, RAGLINE_API_KEYS: '[{"key":"0123456789abcdef0","subject":"x"}]' }).success).toBe(true);
  });
});

describe("OCR on AWS", () => {
  it("naming an OCR host forwards its URL and holds its token as a secret (never in the environment)", () => {
    const s = deploySettingsFrom("prod", { RAGLINE_OCR_URL: "https://ocr.internal", RAGLINE_OCR_TOKEN: "ocr-token-0123456789" });
    expect(s.environment?.RAGLINE_OCR_URL).toBe("https://ocr.internal");
    expect(s.environment?.RAGLINE_OCR_TOKEN).toBeUndefined();
    expect(s.secretKeys).toContain("RAGLINE_OCR_TOKEN");
    expect(deploySettingsFrom("prod", {}).secretKeys).not.toContain("RAGLINE_OCR_TOKEN");
  });
});
