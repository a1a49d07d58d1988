import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TransientError } from "../../../shared/domain/errors";
import { parseDocument } from "../../../shared/ingest/parse";
import { openPdf } from "../../../shared/ingest/parse/pdf/document";
import { PageFeed } from "../../../shared/ingest/parse/pdf/pages";
import { stopThread } from "../../../shared/ingest/parse/pdf/thread";
import { reportPdf } from "./pdf-fixtures";

// pdf.js reads PDFs on a thread of its own while the parsing thread lays out the pages it has.

const ROOT = join(import.meta.dirname, "..", "..", "..");

describe("PDF reading on pdf.js's own thread", () => {
  it("reads pages ahead in order and gives the same document as before", async () => {
    const body = await reportPdf();
    const opened = await openPdf(body);
    try {
      const feed = new PageFeed(opened);
      const numbers: number[] = [];
      for (let p = await feed.next(); p; p = await feed.next()) {
        numbers.push(p.number);
        expect(p.content.items.length).toBeGreaterThan(0);
      }
      expect(numbers).toEqual([1, 2, 3]);
    } finally {
      opened.close();
    }
    // The caller's bytes stay whole (pdf.js takes a copy to its thread): OCR reads them after the text layer.
    expect(body.subarray(0, 5).toString()).toBe("%PDF-");
    const doc = await parseDocument({ key: "report.pdf", body });
    expect(doc.pages).toBe(3);
    expect(doc.blocks.find((b) => b.kind === "heading")?.text).toBe("Annual Report 2024");
  });

  it("when the thread dies, the open document's reads fail as retryable (pages asked ahead too), and the next PDF reads on a new thread", async () => {
    const body = await reportPdf();
    const opened = await openPdf(body);
    const feed = new PageFeed(opened);
    const first = await feed.next(); // pages 2 and 3 are asked for ahead
    await stopThread();
    const err = await opened.guard(first!.page.getTextContent()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryable).toBe(true);
    // A page asked for ahead was read before the stop or fails the same way: none hangs.
    for (const _ of [2, 3]) {
      const got = await feed.next().catch((e: unknown) => e);
      expect(got instanceof TransientError || (got as { number?: number })?.number === _).toBe(true);
    }
    opened.close();
    const doc = await parseDocument({ key: "report.pdf", body });
    expect(doc.pages).toBe(3);
  });

  it("a process that has parsed a PDF ends by itself: the idle thread does not hold it open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ragline-pdf-thread-"));
    try {
      writeFileSync(join(dir, "report.pdf"), await reportPdf());
      const script = [
        `import { readFileSync } from "node:fs";`,
        `import { parseDocument } from ${JSON.stringify(join(ROOT, "shared", "ingest", "parse", "index.ts"))};`,
        `const doc = await parseDocument({ key: "report.pdf", body: readFileSync(${JSON.stringify(join(dir, "report.pdf"))}) });`,
        `console.log("pages", doc.pages);`,
      ].join("\n");
      writeFileSync(join(dir, "parse.mts"), script);
      // Without the thread let go, this child would run until the kill at `timeout`.
      const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, "parse.mts")], { cwd: ROOT, encoding: "utf8", timeout: 25_000 });
      expect(r.signal).toBeNull();
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe("pages 3");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
