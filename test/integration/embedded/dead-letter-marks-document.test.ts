import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EmbedMessage } from "../../../events/messages";
import { loadHandler } from "../../../host/handlers";
import { QueuePoller } from "../../../host/queue-poller";
import { dlqName } from "../../../shared/ports/queue";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, setContext } from "../../../shared/runtime/context";
import { QUEUES, queueTrigger } from "../../../shared/topology";
import { tempDir, waitFor } from "../../helpers/tmp";

// An embed message that fails on every attempt (the embedding host is down) is dead-lettered after the
// topology's receives; its document must say so (failed, with the reason), not stay `processing`.

describe("a dead-lettered ingest message fails its document (real SQLite queue, host poller, real embed handler)", () => {
  let t: ReturnType<typeof tempDir>;
  let ctx: ReturnType<typeof createEmbeddedContext>;
  beforeEach(() => {
    t = tempDir();
    // An embedding host that refuses connections: every embed attempt fails.
    ctx = createEmbeddedContext(
      loadConfig({
        RAGLINE_DATA_DIR: t.dir,
        RAGLINE_EMBEDDER: "tei",
        RAGLINE_EMBED_URL: "http://127.0.0.1:9",
        RAGLINE_EMBED_MODEL: "down-model",
        RAGLINE_EMBED_DIMENSIONS: "8",
        RAGLINE_INFERENCE_RETRIES: "0",
      }),
    );
    setContext(ctx);
  });
  afterEach(async () => {
    setContext(undefined);
    await ctx.close();
    t.cleanup();
  });

  const message = (key: string, version: string): EmbedMessage => ({
    type: "chunks.embed",
    documentKey: key,
    version,
    total: 1,
    chunks: [{ id: `${key}#0`, documentKey: key, version, ordinal: 0, text: "sentence about rivers", sectionPath: [], kind: "text", metadata: {} }],
  });

  it("marks the document failed with the stage, the attempts and the last error, when its last receive fails", async () => {
    await ctx.catalog.put("doc.txt", { status: "processing", version: "v1", chunks: 1 });
    await ctx.catalog.put("newer.txt", { status: "processing", version: "v2", chunks: 1 });
    await ctx.queue.sendBatch(QUEUES.embed, [JSON.stringify(message("doc.txt", "v1")), JSON.stringify(message("newer.txt", "v1"))]);
    const trigger = queueTrigger("ingest-embed");
    const poller = new QueuePoller({
      name: "ingest-embed",
      queue: ctx.queue,
      timeoutSeconds: 10,
      concurrency: 1,
      trigger: { ...trigger, visibilityTimeoutSeconds: 5 },
      handler: () => loadHandler("queue/ingest-embed"),
      retryDelaySeconds: () => 0,
    });
    poller.start();
    try {
      await waitFor(() => ctx.queue.peek(dlqName(QUEUES.embed)).length === 1, "the failing message dead-lettered", 20_000);
    } finally {
      await poller.stop();
    }
    const doc = await ctx.catalog.get("doc.txt");
    expect(doc?.status).toBe("failed");
    expect(doc?.error).toMatch(new RegExp(`^dead_lettered: the embed stage failed ${trigger.maxReceives} times`));
    expect(doc?.error).toMatch(/retry/);
    // A message for an older version is dropped as stale (not retried), and never fails the newer version in flight.
    expect((await ctx.catalog.get("newer.txt"))?.status).toBe("processing");
    expect(poller.stats.succeeded).toBe(1);
  });
});
