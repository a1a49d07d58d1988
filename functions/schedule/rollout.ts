import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { rolloutTick, type RolloutStatus } from "../../shared/ingest/rollout";
import { logger } from "../../shared/observability/logger";
import { getContext } from "../../shared/runtime/context";

// Scheduled: advance an embedding model rollout (queue re-embeds, or switch when complete).
export const handler = middy<ScheduledEvent, RolloutStatus>()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    const status = await rolloutTick(getContext());
    if (status.state !== "current") logger.info("embedding model rollout", { ...status });
    return status;
  });
