import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QueuePoller } from "../../../host/queue-poller";
import { loadHandler } from "../../../host/handlers";
import type { EmbedMessage } from "../../../events/messages";
import { dlqName } from "../../../shared/ports/queue";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, setContext } from "../../../shared/runtime/context";
import { QUEUES } from "../../../shared/topology";
import { tempDir, waitFor } from "../../helpers/tmp";

describe("poison message (real SQLite queue, real embed handler, host poller)", () => {
  let t: ReturnType<typeof tempDir>;
  let ctx: ReturnType<typeof createEmbeddedContext>;
  beforeEach(() => {
    t = tempDir();
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
    setContext(ctx);
  });
  afterEach(async () => {
    setContext(undefined);
    await ctx.close();
    t.cleanup();
  });

  it("ends in the DLQ after maxReceives while the rest of its batch succeeds", async () => {
    await ctx.catalog.put("doc.txt", { status: "processing", version: "v1", chunks: 3 });
    const good = (i: number): EmbedMessage => ({
      type: "chunks.embed",
      documentKey: "doc.txt",
      version: "v1",
      total: 3,
      chunks: [
        {
          id: `c${i}`,
          documentKey: "doc.txt",
          version: "v1",
          ordinal: i,
          text: `sentence number ${i} about rivers`,
          sectionPath: [],
          kind: "text",
          metadata: {},
        },
      ],
    });
    await ctx.queue.sendBatch(QUEUES.embed, [
      JSON.stringify(good(0)),
      '{"type":"chunks.embed","documentKey":""}',
      JSON.stringify(good(1)),
      JSON.stringify(good(2)),
    ]);

    const poller = new QueuePoller({
      name: "ingest-embed",
      queue: ctx.queue,
      timeoutSeconds: 10,
      concurrency: 1,
      trigger: { kind: "queue", queue: QUEUES.embed, batchSize: 10, visibilityTimeoutSeconds: 5, maxReceives: 2 },
      handler: () => loadHandler("queue/ingest-embed"),
      retryDelaySeconds: () => 0,
    });
    poller.start();
    try {
      await waitFor(() => ctx.queue.peek(dlqName(QUEUES.embed)).length === 1, "the poison message in the DLQ");
    } finally {
      await poller.stop();
    }
    const dlq = ctx.queue.peek(dlqName(QUEUES.embed));
    expect(JSON.parse(dlq[0].body).documentKey).toBe("");
    expect(await ctx.queue.depth(QUEUES.embed)).toEqual({ visible: 0, inFlight: 0 });
    // The three good records were embedded once each and passed on to the index queue.
    const indexed = ctx.queue
      .peek(QUEUES.index)
      .map((m) => JSON.parse(m.body).chunks[0].id)
      .sort();
    expect(indexed).toEqual(["c0", "c1", "c2"]);
    expect(poller.stats.failed).toBe(2);
  });
});

describe("visibility extension (host poller heartbeat)", () => {
  it("keeps a long-running message invisible past its visibility timeout, then deletes it once", async () => {
    const t = tempDir();
    const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
    try {
      await ctx.queue.send("slow", "work");
      let calls = 0;
      const poller = new QueuePoller({
        name: "slow",
        queue: ctx.queue,
        timeoutSeconds: 5,
        concurrency: 2,
        trigger: { kind: "queue", queue: "slow", batchSize: 1, visibilityTimeoutSeconds: 0.2, maxReceives: 5 },
        handler: async () => async () => {
          calls++;
          await new Promise((r) => setTimeout(r, 900));
          return { batchItemFailures: [] };
        },
      });
      poller.start();
      await waitFor(() => poller.stats.succeeded === 1, "the slow message handled");
      await new Promise((r) => setTimeout(r, 300));
      await poller.stop();
      expect(calls).toBe(1); // the second worker never received it although the job ran 4.5× the timeout
      expect(await ctx.queue.depth("slow")).toEqual({ visible: 0, inFlight: 0 });
    } finally {
      await ctx.close();
      t.cleanup();
    }
  });
});
