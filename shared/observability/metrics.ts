import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type middy from "@middy/core";

// Business metrics as CloudWatch EMF through powertools. On Lambda they are on; elsewhere they are
// printed only with RAGLINE_METRICS=emf (a host's stdout is for people unless asked otherwise).
const enabled = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME) || process.env.RAGLINE_METRICS === "emf";
if (!enabled && process.env.POWERTOOLS_METRICS_DISABLED === undefined) process.env.POWERTOOLS_METRICS_DISABLED = "true";

export const metrics = new Metrics({ namespace: "ragline", serviceName: "ragline" });
export { MetricUnit };

/** Middleware: flush what the invocation recorded (and only then, so idle handlers print nothing). */
export const flushMetrics = (): middy.MiddlewareObj => {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
};
