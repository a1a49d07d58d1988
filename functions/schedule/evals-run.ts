import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { z } from "zod";
import { loadEvalConfig } from "../../evals/config";
import { runScheduledEvals, type ScheduledOutcome } from "../../evals/scheduled";
import { logger } from "../../shared/observability/logger";
import { getContext } from "../../shared/runtime/context";

// Scheduled (EventBridge, daily by default): run the eval suite through the system's own ingestion
// and query paths, store the report in the bucket, emit the headline metrics. The suite, datasets
// and judge are RAGLINE_EVAL_* / RAGLINE_JUDGE_* settings (evals/config.ts).

const scheduledEventSchema = z.object({ "detail-type": z.literal("Scheduled Event"), source: z.string(), time: z.string() }).passthrough();

export const handler = middy<ScheduledEvent, ScheduledOutcome>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    scheduledEventSchema.parse(event);
    return runScheduledEvals(getContext(), loadEvalConfig());
  });
