import type { SQSEvent } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadFixture } from "../../../events/fixtures";
import { loadHandler } from "../../../host/handlers";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, setContext } from "../../../shared/runtime/context";
import { QUEUES } from "../../../shared/topology";
import { tempDir } from "../../helpers/tmp";

// S3 sends `s3:TestEvent` to the queue each time a notification configuration is saved (each
// deploy). The real ingest-parse handler gets it in an SQS event shaped as Lambda delivers it.

const sqsEvent = (...bodies: unknown[]): SQSEvent => ({
  Records: bodies.map((b, i) => ({
    messageId: `m${i}`,
    receiptHandle: `r${i}`,
    body: JSON.stringify(b),
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:ragline-ingest-events",
    awsRegion: "eu-west-1",
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "s3", ApproximateFirstReceiveTimestamp: "0" },
    messageAttributes: {},
  })),
});

describe("S3 test event on the ingest queue (real ingest-parse handler, embedded ports)", () => {
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

  it("acknowledges s3:TestEvent (no batch item failure, so no DLQ message) and ingests nothing", async () => {
    const handler = await loadHandler("queue/ingest-parse");
    const res = await handler(sqsEvent(loadFixture("s3/test-event")), {} as never);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(await ctx.catalog.list({})).toHaveLength(0);
    expect(ctx.queue.peek(QUEUES.embed)).toHaveLength(0);
  });

  it("still fails a malformed body (it goes on to the DLQ), next to an acknowledged test event", async () => {
    const handler = await loadHandler("queue/ingest-parse");
    const res = await handler(sqsEvent(loadFixture("s3/test-event"), { Service: "Amazon S3", Event: "s3:Something" }), {} as never);
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: "m1" }] });
  });
});
