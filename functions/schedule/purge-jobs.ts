import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { purgeExpiredJobs } from "../../shared/jobs/retention";
import { logger } from "../../shared/observability/logger";
import { getContext } from "../../shared/runtime/context";

export const handler = middy<ScheduledEvent, { purged: number }>()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    const purged = await purgeExpiredJobs(getContext());
    logger.info("expired jobs purged", { purged });
    return { purged };
  });
