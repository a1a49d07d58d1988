import { Logger } from "@aws-lambda-powertools/logger";

// One logger for the core and the handlers (powertools: structured JSON, Lambda context aware).
// The host runs it at WARN by default so a terminal stays readable; LOG_LEVEL overrides.
export const logger = new Logger({
  serviceName: "ragline",
  logLevel: (process.env.LOG_LEVEL ?? (process.env.AWS_LAMBDA_FUNCTION_NAME ? "INFO" : "WARN")) as "INFO",
});
