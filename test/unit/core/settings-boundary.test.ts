import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../shared/runtime/config";
import { settingsFrom } from "../../../shared/runtime/settings";

// Domain code (ingest, query, jobs) reads typed settings (shared/runtime/settings.ts), not the
// environment-shaped config: a RAGLINE_* name deep in a stage is how the whole context crept in before.

const root = resolve(import.meta.dirname, "..", "..", "..");
const DOMAIN = ["shared/ingest", "shared/query", "shared/jobs"];
/** Where the config is still read, and why. */
const ALLOWED = new Map([
  // Pick the object store's backend to presign a URL for, an upload's or a large document's (an adapter choice,
  // not a setting: shared/runtime/presigning.ts).
  ["shared/ingest/uploads.ts", /ctx\.config\b/g],
  ["shared/ingest/document-content.ts", /ctx\.config\b/g],
]);

const code = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? code(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
/** The file without comments and string contents, so documentation may name a variable. */
const stripped = (text: string) =>
  text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/(["'`])(?:\\.|(?!\1)[^\\])*\1/g, '""');

describe("settings boundary", () => {
  it("no domain file reads the config or a RAGLINE_* name (the allowed one is listed with its reason)", () => {
    const found = DOMAIN.flatMap(code).flatMap((f) => {
      const rel = relative(root, join(root, f));
      let text = stripped(readFileSync(join(root, f), "utf8"));
      const allowed = ALLOWED.get(rel);
      if (allowed) text = text.replace(allowed, "");
      return [...text.matchAll(/\bctx\.config\b|\bconfig\.RAGLINE_\w+|\bRAGLINE_\w+/g)].map((m) => `${rel}: ${m[0]}`);
    });
    expect(found).toEqual([]);
  });

  it("settings are built from the config once, by concern (a changed variable shows in its group)", () => {
    const s = settingsFrom(
      loadConfig({ RAGLINE_TOP_K: "9", RAGLINE_MAX_JOBS_PER_CALLER: "3", RAGLINE_OCR_URL: "http://ocr:8080", RAGLINE_OCR_TOKEN: "x".repeat(16) }),
    );
    expect(s.query.topK).toBe(9);
    expect(s.jobs.maxPerCaller).toBe(3);
    expect(s.ingest.parse.ocrHost).toEqual({ url: "http://ocr:8080", token: "x".repeat(16) });
    expect(settingsFrom(loadConfig({})).ingest.parse.ocrHost).toBeUndefined();
  });
});
