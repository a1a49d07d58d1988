import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../../shared/runtime/config";

// .env.example lists every setting the configuration reads, and nothing else (LOG_LEVEL and
// RAGLINE_METRICS are read by the logger and metrics modules themselves).

describe(".env.example", () => {
  it("names every configuration variable, and only those", () => {
    const text = readFileSync(join(import.meta.dirname, "..", "..", "..", ".env.example"), "utf8");
    const listed = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const known = new Set([...Object.keys(configSchema.shape), "LOG_LEVEL", "RAGLINE_METRICS"]);
    expect([...known].filter((k) => !listed.has(k))).toEqual([]);
    expect([...listed].filter((k) => !known.has(k))).toEqual([]);
  });
});
