import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context as LambdaContext, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { z } from "zod";
import { logger } from "../../shared/observability/logger";
import { flushMetrics } from "../../shared/observability/metrics";
import { getContext, type Context } from "../../shared/runtime/context";

/**
 * An SQS-triggered handler: each record's body is validated with `schema` and handled on its own;
 * failed records are reported in `batchItemFailures` so only they are retried (and dead-lettered).
 */
export function sqsHandler<S extends z.ZodType>(
  schema: S,
  handleRecord: (ctx: Context, body: z.infer<S>, record: SQSRecord) => Promise<unknown>,
  /** Called when a record fails on the queue's last receive (it is about to be dead-lettered); then it fails as usual. */
  lastAttempt?: { maxReceives: number; onFailure: (ctx: Context, body: z.infer<S>, err: unknown, receives: number) => Promise<void> },
) {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord) => {
    const body = schema.parse(JSON.parse(record.body));
    try {
      const result = await handleRecord(getContext(), body, record);
      logger.debug("record handled", { messageId: record.messageId, result: result as never });
    } catch (err) {
      const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1);
      if (lastAttempt && receives >= lastAttempt.maxReceives) {
        await lastAttempt.onFailure(getContext(), body, err, receives).catch((e) => logger.error("last-attempt hook failed", { error: e as Error }));
      }
      throw err;
    }
  };
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(flushMetrics())
    .handler((event: SQSEvent, context: LambdaContext) =>
      processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false }));
}
