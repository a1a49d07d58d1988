import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../shared/runtime/config";

describe("configuration", () => {
  it("defaults to the embedded backend under .data", () => {
    const c = loadConfig({});
    expect(c.RAGLINE_BACKEND).toBe("embedded");
    expect(c.bucketDir.endsWith(".data/bucket")).toBe(true);
  });

  it("stops with a message naming the variable at fault", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => loadConfig({ RAGLINE_CHUNK_WORDS: "-3" })).toThrow(/RAGLINE_CHUNK_WORDS/);
  });
});
