import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { logger } from "../../shared/observability/logger";
import { getContext, type Context } from "../../shared/runtime/context";

/** A WebSocket route handler (API Gateway WebSocket event shape); errors go back to the client as a frame. */
export function wsHandler(fn: (ctx: Context, event: APIGatewayProxyWebsocketEventV2) => Promise<void>) {
  return middy<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2>()
    .use(injectLambdaContext(logger))
    .handler(async (event) => {
      const ctx = getContext();
      try {
        await fn(ctx, event);
        return { statusCode: 200 };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await ctx.notifier.send(event.requestContext.connectionId, { type: "error", error: { code: "invalid_request", message } });
        return { statusCode: 400, body: message };
      }
    });
}
