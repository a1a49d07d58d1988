import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context as LambdaContext, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { z } from "zod";
import { logger } from "../../shared/observability/logger";
import { retryDelaySeconds } from "../../shared/ports/queue";
import { flushMetrics } from "../../shared/observability/metrics";
import { getContext, type Context } from "../../shared/runtime/context";
import type { QueueTrigger } from "../../shared/topology";

/** What an SQS handler knows of its queue, and what it does on a record's last receive. */
export interface SqsHandlerOptions<B> {
  trigger: QueueTrigger;
  /** Called when a record fails on the queue's last receive (it is about to be dead-lettered); then it fails as usual. */
  onLastFailure?: (ctx: Context, body: B, err: unknown, receives: number) => Promise<void>;
}

/**
 * An SQS-triggered handler: each record's body is validated with `schema` and handled on its own;
 * failed records are reported in `batchItemFailures` so only they are retried (and dead-lettered).
 * A failed record is made visible again after the shared retry delay (ports/queue retryDelaySeconds),
 * as the host's poller does, instead of after the queue's whole visibility timeout.
 */
export function sqsHandler<S extends z.ZodType>(
  schema: S,
  handleRecord: (ctx: Context, body: z.infer<S>, record: SQSRecord) => Promise<unknown>,
  opts: SqsHandlerOptions<z.infer<S>>,
) {
  const processor = new BatchProcessor(EventType.SQS);
  const { trigger, onLastFailure } = opts;
  const recordHandler = async (record: SQSRecord) => {
    let body: z.infer<S> | undefined;
    try {
      body = schema.parse(JSON.parse(record.body));
      const result = await handleRecord(getContext(), body, record);
      logger.debug("record handled", { messageId: record.messageId, result: result as never });
    } catch (err) {
      const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1);
      if (receives >= trigger.maxReceives) {
        if (onLastFailure && body !== undefined)
          await onLastFailure(getContext(), body, err, receives).catch((e) => logger.error("last-attempt hook failed", { error: e as Error }));
      } else {
        const delay = retryDelaySeconds(receives, trigger.visibilityTimeoutSeconds);
        await getContext()
          .queue.changeVisibility(trigger.queue, record.receiptHandle, delay)
          .catch((e) =>
            logger.warn("could not shorten a failed record's visibility; it returns after the visibility timeout", {
              messageId: record.messageId,
              error: e as Error,
            }),
          );
      }
      throw err;
    }
  };
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(flushMetrics())
    .handler((event: SQSEvent, context: LambdaContext) => processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false }));
}
