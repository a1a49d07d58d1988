import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { sqsHandler } from "../../../functions/lib/sqs";
import { lambdaContext } from "../../../host/lambda-context";
import { SqsQueue } from "../../../shared/adapters/aws/sqs-queue";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, setContext, type Context } from "../../../shared/runtime/context";
import type { QueueTrigger } from "../../../shared/topology";
import { tempDir, waitFor } from "../../helpers/tmp";
import { startS3Sqs } from "./servers";

// The Lambda side of a failed record, on a real SQS-protocol server (fauxqs): the handler reports it in
// batchItemFailures AND shortens its visibility to the shared retry delay (2 s after a first receive),
// as the host's poller does; before, it stayed invisible for the queue's whole visibility timeout
// (here 300 s) on Lambda only, so the two runtimes retried on different clocks.

const trigger: QueueTrigger = { kind: "queue", queue: "retry-vis", batchSize: 1, visibilityTimeoutSeconds: 300, maxReceives: 3 };

describe("Lambda SQS handler: a failed record comes back after the retry delay (fauxqs SQS)", () => {
  const t = tempDir();
  let env: Awaited<ReturnType<typeof startS3Sqs>>;
  let queue: SqsQueue;
  let ctx: Context;
  beforeAll(async () => {
    env = await startS3Sqs();
    await env.sqs.send(new CreateQueueCommand({ QueueName: trigger.queue, Attributes: { VisibilityTimeout: "300" } }));
    queue = new SqsQueue({ client: env.sqs });
    ctx = { ...createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir })), queue };
    setContext(ctx);
  });
  afterAll(async () => {
    setContext(undefined);
    await env?.stop();
    t.cleanup();
  });

  /** Receives one message as Lambda's event source mapping would (the queue's visibility timeout), as an SQSEvent. */
  const received = async (): Promise<SQSEvent | undefined> => {
    const [m] = await queue.receive(trigger.queue, { maxMessages: 1, visibilityTimeoutSeconds: trigger.visibilityTimeoutSeconds });
    if (!m) return undefined;
    return {
      Records: [
        {
          messageId: m.id,
          receiptHandle: m.receiptHandle,
          body: m.body,
          md5OfBody: "",
          eventSource: "aws:sqs",
          awsRegion: "us-east-1",
          eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${trigger.queue}`,
          messageAttributes: {},
          attributes: {
            ApproximateReceiveCount: String(m.receiveCount),
            SentTimestamp: String(Date.parse(m.sentAt)),
            SenderId: "x",
            ApproximateFirstReceiveTimestamp: "0",
          },
        },
      ],
    };
  };

  it("reports the failure and makes the record visible again after 2 s, not 300 s; a poison body too", async () => {
    const lastFailures: number[] = [];
    const handler = sqsHandler(
      z.object({ n: z.number() }),
      async () => {
        throw new Error("model host down");
      },
      {
        trigger,
        onLastFailure: async (_ctx, _b, _e, receives) => {
          lastFailures.push(receives);
        },
      },
    );
    for (const body of [JSON.stringify({ n: 1 }), "not json"]) {
      await queue.send(trigger.queue, body);
      const event = (await waitFor(received, "the message received"))!;
      const res = await handler(event, lambdaContext("retry-vis", 30));
      expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0].messageId }] });
      // Back within a few seconds (a receive with the same 300 s timeout would see nothing for 5 minutes).
      const again = await waitFor(received, "the failed record visible again", 15_000, 250);
      expect(again!.Records[0].body).toBe(body);
      expect(again!.Records[0].attributes.ApproximateReceiveCount).toBe("2");
      await queue.delete(trigger.queue, again!.Records[0].receiptHandle);
    }
    expect(lastFailures).toEqual([]);
  });

  it("on the last receive the hook runs and the visibility is left alone (the queue dead-letters it)", async () => {
    const lastFailures: number[] = [];
    const handler = sqsHandler(
      z.object({ n: z.number() }),
      async () => {
        throw new Error("still down");
      },
      {
        trigger: { ...trigger, maxReceives: 1 },
        onLastFailure: async (_ctx, _b, _e, receives) => {
          lastFailures.push(receives);
        },
      },
    );
    await queue.send(trigger.queue, JSON.stringify({ n: 2 }));
    const event = (await waitFor(received, "the message received"))!;
    await handler(event, lambdaContext("retry-vis", 30));
    expect(lastFailures).toEqual([1]);
    const depth = await queue.depth(trigger.queue);
    expect(depth.inFlight).toBe(1); // still invisible under the 300 s lease: not put back early
  });
});
