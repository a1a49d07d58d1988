import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// exceljs, mailparser and mammoth take ~0.8 s to load together: every host start, worker thread and parse
// Lambda cold start paid it before its first file, whatever the file. They load when a file needs them.
// Each case runs in a fresh Node process, where nothing is loaded yet.

const root = join(import.meta.dirname, "..", "..", "..");
const run = promisify(execFile);

/** The heavy libraries in a fresh process's module cache after `script` (ESM, run from the repo root). */
async function heavyLoadedAfter(script: string): Promise<string[]> {
  const probe = `${script}
const { createRequire } = await import("node:module");
const loaded = Object.keys(createRequire(import.meta.url).cache).map((p) => /node_modules\\/(exceljs|mailparser|mammoth)\\//.exec(p)?.[1]).filter(Boolean);
console.log(JSON.stringify([...new Set(loaded)].sort()));`;
  const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", probe], { cwd: root });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

describe("parsers' heavy libraries load on first use", () => {
  it("importing the parser and the worker tasks loads none of exceljs, mailparser, mammoth; parsing a PDF neither", async () => {
    expect(await heavyLoadedAfter(`await import("./host/worker-tasks.ts");`)).toEqual([]);
    const pdf = `const { parseDocument } = await import("./shared/ingest/parse/index.ts");
const { reportPdf } = await import("./test/unit/ingest/pdf-fixtures.ts");
await parseDocument({ key: "r.pdf", body: await reportPdf() });`;
    expect(await heavyLoadedAfter(pdf)).toEqual([]);
  }, 60_000);

  it("an email loads mailparser when it arrives, and only it", async () => {
    const eml = `const { parseDocument } = await import("./shared/ingest/parse/index.ts");
const body = Buffer.from("From: a@example.com\\r\\nTo: b@example.com\\r\\nSubject: Budget\\r\\n\\r\\nThe budget is approved.\\r\\n");
const doc = await parseDocument({ key: "m.eml", body });
if (!doc.blocks.some((b) => b.text.includes("approved"))) throw new Error("email not parsed");`;
    expect(await heavyLoadedAfter(eml)).toEqual(["mailparser"]);
  }, 60_000);
});
