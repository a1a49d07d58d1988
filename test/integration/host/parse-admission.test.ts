import { readFileSync, renameSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { SQSEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { startHost, type Host } from "../../../host";
import { mayBringLargeDocument, PARSE_HERE_MAX_BYTES } from "../../../host/offload";
import { QueuePoller } from "../../../host/queue-poller";
import { s3Record } from "../../../events/s3";
import { SqliteQueue } from "../../../shared/adapters/embedded/sqlite-queue";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { tempDir, waitFor } from "../../helpers/tmp";

// The host runs many small documents at once (their commits shared) and as few large ones as before:
// which events count as large, the poller's slots for them on a real SQLite queue, and the whole host
// on a burst of real files dropped in its bucket folder.

const fixture = (name: string) => readFileSync(new URL(`../../../events/fixtures/s3/${name}`, import.meta.url), "utf8");
const created = (size?: number) => JSON.stringify({ Records: [s3Record("created", "documents", "a.txt", { size })] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

describe("the poller's slots for heavy messages (real SQLite queue)", () => {
  let t: ReturnType<typeof tempDir>;
  let q: SqliteQueue;
  let poller: QueuePoller | undefined;
  afterEach(async () => {
    await poller?.stop();
    q?.close();
    t?.cleanup();
  });

  it("heavy messages run one at a time while light ones run beside them; every message is handled", async () => {
    t = tempDir();
    q = new SqliteQueue(`${t.dir}/queue.db`);
    const bodies = ["H1", "L1", "L2", "H2", "L3", "L4", "H3", "L5", "L6"];
    await q.sendBatch("work", bodies);
    const running = { heavy: 0, all: 0, maxHeavy: 0, maxAll: 0 };
    const handled: string[] = [];
    poller = new QueuePoller({
      name: "admission",
      queue: q,
      trigger: { kind: "queue", queue: "work", batchSize: 1, visibilityTimeoutSeconds: 30, maxReceives: 3 },
      timeoutSeconds: 10,
      concurrency: 4,
      waitSeconds: 0,
      heavy: { isHeavy: (m) => m.body.startsWith("H"), slots: 1 },
      handler: async () => async (event: SQSEvent) => {
        const body = event.Records[0].body;
        const heavy = body.startsWith("H");
        running.all++;
        if (heavy) running.heavy++;
        running.maxAll = Math.max(running.maxAll, running.all);
        running.maxHeavy = Math.max(running.maxHeavy, running.heavy);
        await sleep(40);
        running.all--;
        if (heavy) running.heavy--;
        handled.push(body);
        return { batchItemFailures: [] };
      },
    });
    poller.start();
    await waitFor(async () => handled.length === bodies.length, "all handled", 20_000, 20);
    expect(handled.sort()).toEqual([...bodies].sort());
    expect(running.maxHeavy).toBe(1);
    expect(poller.stats.maxHeavyRunning).toBe(1);
    expect(running.maxAll).toBeGreaterThan(1);
    await waitFor(async () => (await q.depth("work")).visible + (await q.depth("work")).inFlight === 0, "all deleted", 10_000, 20);
  });
});

describe("a heavy message waiting for its slot when the poller stops (real SQLite queue)", () => {
  let t: ReturnType<typeof tempDir>;
  let q: SqliteQueue;
  afterEach(() => {
    q?.close();
    t?.cleanup();
  });

  it("is not run: it goes back to the queue at once, while the one running finishes", async () => {
    t = tempDir();
    q = new SqliteQueue(`${t.dir}/queue.db`);
    await q.sendBatch("work", ["H1", "H2"]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const poller = new QueuePoller({
      name: "stopping",
      queue: q,
      trigger: { kind: "queue", queue: "work", batchSize: 1, visibilityTimeoutSeconds: 30, maxReceives: 3 },
      timeoutSeconds: 10,
      concurrency: 2,
      waitSeconds: 0,
      heavy: { isHeavy: () => true, slots: 1 },
      handler: async () => async (event: SQSEvent) => {
        started.push(event.Records[0].body);
        await held;
        return { batchItemFailures: [] };
      },
    });
    poller.start();
    await waitFor(async () => started.length === 1 && (await q.depth("work")).inFlight === 2, "one running, one leased and waiting", 5_000, 10);
    const stopped = poller.stop();
    await waitFor(async () => (await q.depth("work")).visible === 1, "the waiting one visible again", 5_000, 10);
    release();
    await stopped;
    expect(started).toHaveLength(1);
    expect(await q.depth("work")).toEqual({ visible: 1, inFlight: 0 });
    const [back] = await q.receive("work", { maxMessages: 1, visibilityTimeoutSeconds: 30 });
    expect(back.body).not.toBe(started[0]);
  });
});

describe("the poller's loops scale with the backlog (real SQLite queue)", () => {
  let t: ReturnType<typeof tempDir>;
  let q: SqliteQueue;
  let poller: QueuePoller | undefined;
  afterEach(async () => {
    await poller?.stop();
    q?.close();
    t?.cleanup();
  });

  it("one loop polls an empty queue; a burst runs up to the concurrency; then the extra loops stop", async () => {
    t = tempDir();
    q = new SqliteQueue(`${t.dir}/queue.db`);
    const handled: string[] = [];
    poller = new QueuePoller({
      name: "elastic",
      queue: q,
      trigger: { kind: "queue", queue: "work", batchSize: 1, visibilityTimeoutSeconds: 30, maxReceives: 3 },
      timeoutSeconds: 10,
      concurrency: 4,
      idleConcurrency: 1,
      waitSeconds: 0,
      handler: async () => async (event: SQSEvent) => {
        await sleep(40);
        handled.push(event.Records[0].body);
        return { batchItemFailures: [] };
      },
    });
    poller.start();
    await sleep(200);
    expect(poller.pollingLoops).toBe(1);
    const bodies = Array.from({ length: 12 }, (_, i) => `m${i}`);
    await q.sendBatch("work", bodies);
    await waitFor(async () => handled.length === bodies.length, "all handled", 20_000, 20);
    expect(poller.stats.maxRunning).toBeGreaterThan(1);
    expect(poller.stats.maxRunning).toBeLessThanOrEqual(4);
    await waitFor(async () => poller!.pollingLoops === 1, "back to one loop", 5_000, 20);
    await q.send("work", "late");
    await waitFor(async () => handled.includes("late"), "a message after the burst is still handled", 5_000, 20);
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
