import { readFileSync, renameSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startHost, type Host } from "../../../host";
import { mayBringLargeDocument, PARSE_HERE_MAX_BYTES } from "../../../host/offload";
import { s3Record } from "../../../events/s3";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { tempDir, waitFor } from "../../helpers/tmp";

// The host runs many small documents at once (their commits shared) and as few large ones as before:
// which events count as large, and the whole host on a burst of real files dropped in its bucket
// folder (the poller's heavy slots themselves: test/integration/jobs/host-poller.test.ts).

const fixture = (name: string) => readFileSync(new URL(`../../../events/fixtures/s3/${name}`, import.meta.url), "utf8");
const created = (size?: number) => JSON.stringify({ Records: [s3Record("created", "documents", "a.txt", { size })] });

describe("which ingest events may bring a large document", () => {
  it("S3's own event shapes: a 260 KB object is large, a removal and the test event are not", () => {
    expect(mayBringLargeDocument(fixture("object-created.json"))).toBe(true);
    expect(mayBringLargeDocument(fixture("object-removed.json"))).toBe(false);
    expect(mayBringLargeDocument(fixture("test-event.json"))).toBe(false);
  });

  it("by the size the event gives; no size, or a source change (size unknown), counts as large", () => {
    expect(mayBringLargeDocument(created(1400))).toBe(false);
    expect(mayBringLargeDocument(created(PARSE_HERE_MAX_BYTES))).toBe(false);
    expect(mayBringLargeDocument(created(PARSE_HERE_MAX_BYTES + 1))).toBe(true);
    expect(mayBringLargeDocument(created(undefined))).toBe(true);
    expect(mayBringLargeDocument(JSON.stringify({ type: "source.changed", key: "a.txt" }))).toBe(true);
    expect(mayBringLargeDocument("{not json")).toBe(false); // fails validation at once, holding nothing
  });
});

describe("the host on a burst of files (folder bucket, real pipeline)", () => {
  let t: ReturnType<typeof tempDir>;
  let ctx: Context | undefined;
  let host: Host | undefined;
  afterEach(async () => {
    await host?.close();
    await ctx?.close();
    t?.cleanup();
  });

  it("small files parse many at once, large ones no more than the worker threads' slots; all are indexed", async () => {
    t = tempDir();
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_WORKERS: "1" }));
    host = await startHost({ ctx, port: 0 });
    const staging = join(t.dir, "staging");
    mkdirSync(staging, { recursive: true });
    const sentence = (i: number) => `Finding ${i} reports that compound ${i % 97} changed the expression of gene ${i % 389}. `;
    const files: [string, string][] = [];
    for (let i = 0; i < 30; i++) files.push([`small-${i}.txt`, `Note ${i}\n\n${sentence(i).repeat(8)}`]);
    for (let i = 0; i < 4; i++) files.push([`large-${i}.txt`, sentence(i).repeat(Math.ceil((PARSE_HERE_MAX_BYTES * 2) / sentence(i).length))]);
    for (const [name, text] of files) writeFileSync(join(staging, name), text);
    for (const [name] of files) renameSync(join(staging, name), join(ctx.config.bucketDir, name));
    await waitFor(async () => ((await ctx!.catalog.counts()).indexed ?? 0) === files.length, "every file indexed", 60_000, 50);
    const parse = host.pollers.get("ingest-parse")!;
    const largeSlots = Math.max(2, host.workers!.pool.size);
    // Without the size in the folder's events every file would count as large and run in those slots.
    expect(parse.stats.maxRunning).toBeGreaterThan(largeSlots);
    expect(parse.stats.maxHeavyRunning).toBeGreaterThanOrEqual(1);
    expect(parse.stats.maxHeavyRunning).toBeLessThanOrEqual(largeSlots);
  });
});
