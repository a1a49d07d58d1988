import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { ANONYMOUS, UnauthorizedError, type Principal } from "../../shared/auth/principal";
import { RaglineError } from "../../shared/domain/errors";
import { logger } from "../../shared/observability/logger";
import { getContext, type Context } from "../../shared/runtime/context";

/** A WebSocket route handler (API Gateway WebSocket event shape); errors go back to the client as a frame. */
export type WsResult = { statusCode: number; body?: string };

export function wsHandler(fn: (ctx: Context, event: APIGatewayProxyWebsocketEventV2) => Promise<void | WsResult>) {
  return middy<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2>()
    .use(injectLambdaContext(logger))
    .handler(async (event) => {
      const ctx = getContext();
      try {
        return (await fn(ctx, event)) ?? { statusCode: 200 };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const code = err instanceof RaglineError ? err.code : "invalid_request";
        await ctx.notifier.send(event.requestContext.connectionId, { type: "error", error: { code, message } });
        return { statusCode: err instanceof RaglineError && err.status < 500 ? err.status : 400, body: message };
      }
    });
}

/**
 * The principal of a WebSocket event: what the $connect authorizer put in `requestContext.authorizer`.
 * A connection without one (no authorizer configured) follows as anonymous, unless auth is required.
 */
export function connectionPrincipal(ctx: Context, event: APIGatewayProxyWebsocketEventV2): Principal {
  const raw = (event.requestContext as { authorizer?: { principal?: unknown } }).authorizer?.principal;
  if (typeof raw === "string") return JSON.parse(raw) as Principal;
  if (ctx.config.RAGLINE_AUTH === "required") throw new UnauthorizedError("the connection was not authorized on connect");
  return ANONYMOUS;
}
