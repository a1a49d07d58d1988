import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { ZodError, type z } from "zod";
import type { ErrorBody } from "../../events/api";
import { authenticate, credentialFrom, type Principal } from "../../shared/auth/principal";
import { authorizeRoute, ROUTE_POLICY } from "../../shared/auth/policy";
import { RaglineError, TooManyRequestsError, ValidationError } from "../../shared/domain/errors";
import { logger } from "../../shared/observability/logger";
import { flushMetrics } from "../../shared/observability/metrics";
import { getContext, type Context } from "../../shared/runtime/context";
import { decodeRequestPath } from "../../shared/util/request-path";

/** A route gets the authenticated principal; undefined only on public routes called without a valid key. */
export type Route = (ctx: Context, event: APIGatewayProxyEventV2, principal: Principal | undefined) => Promise<APIGatewayProxyStructuredResultV2>;

/** One HTTP handler for a group of routes, dispatched on API Gateway's routeKey ("METHOD /path"). */
export function httpHandler(routes: Record<string, Route>) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger))
    .use(flushMetrics())
    .use({
      onError: (req) => {
        req.response = errorResponse(req.error);
      },
    })
    .handler(async (event) => {
      const route = routes[event.routeKey];
      if (!route) return json(404, { error: { code: "not_found", message: `no route ${event.routeKey}` } });
      const ctx = getContext();
      // Who is asking and whether they may call this route at all: ../../shared/auth/policy.ts. A public
      // route called without a credential gets no principal where auth is required.
      const keyless = ROUTE_POLICY[event.routeKey]?.requires === "public" && !credentialFrom(event.headers) && ctx.config.RAGLINE_AUTH === "required";
      const principal = keyless ? undefined : authenticate(event.headers, ctx.config);
      if (principal) authorizeRoute(event.routeKey, principal);
      return route(ctx, event, principal);
    });
}

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** Validates with zod; a failure is a 400 that names the field at fault. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ field: [where, ...i.path].join("."), message: i.message }));
  throw new ValidationError(`invalid ${where}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`, issues);
}

export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  if (!event.body) throw new ValidationError("request body is required (JSON)", [{ field: "body", message: "required" }]);
  try {
    return JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body);
  } catch {
    throw new ValidationError("request body is not valid JSON", [{ field: "body", message: "invalid JSON" }]);
  }
}

/** A raw path parameter (API Gateway and the host pass it still percent-encoded), decoded; malformed is a 400 naming `field`. */
export function decodePathParameter(raw: string | undefined, field: string): string {
  const path = decodeRequestPath(raw ?? "");
  if (!path.ok) throw new ValidationError(`invalid ${field}: ${path.reason}`, [{ field, message: path.reason }]);
  return path.decoded;
}

export function errorResponse(err: unknown): APIGatewayProxyStructuredResultV2 {
  if (err instanceof ZodError) return errorResponse(new ValidationError(err.message, err.issues));
  // decodeURIComponent on a client's malformed escape: the client's error, never a 500.
  if (err instanceof URIError) return json(400, { error: { code: "bad_request", message: `malformed percent escape: ${err.message}` } } satisfies ErrorBody);
  if (err instanceof RaglineError && err.status < 500) {
    const headers: Record<string, string> = err instanceof TooManyRequestsError ? { "retry-after": String(err.retryAfterSeconds) } : {};
    return json(err.status, { error: { code: err.code, message: err.message, details: err.details } } satisfies ErrorBody, headers);
  }
  logger.error("request failed", { error: err as Error });
  return json(500, { error: { code: "internal", message: "internal error" } } satisfies ErrorBody);
}
