import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { reconcile } from "../../shared/ingest/freshness";
import { logger } from "../../shared/observability/logger";
import { getContext } from "../../shared/runtime/context";

// Scheduled: compare the bucket with the index and send the events that notifications missed.
export const handler = middy<ScheduledEvent, { created: number; removed: number }>()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    const result = await reconcile(getContext());
    logger.info("reconciliation", result);
    return result;
  });
