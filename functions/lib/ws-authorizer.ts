import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { ANONYMOUS, UnauthorizedError, type Principal } from "../../shared/auth/principal";
import { RaglineError } from "../../shared/domain/errors";
import { logger } from "../../shared/observability/logger";
import { getContext, type Context } from "../../shared/runtime/context";

/**
 * A Lambda REQUEST authorizer for the WebSocket `$connect` route, in API Gateway's contract: the
 * result is an IAM policy for the route (methodArn) with a principalId, and a `context` whose values
 * API Gateway passes as `requestContext.authorizer` to every later event of the connection (values
 * must be strings, numbers or booleans, so the principal travels as JSON). Refusals:
 * throwing `Error("Unauthorized")` makes API Gateway answer 401; a Deny policy makes it answer 403.
 */
export function authorizerHandler(fn: (ctx: Context, event: APIGatewayRequestAuthorizerEvent) => Promise<Principal>) {
  return middy<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>()
    .use(injectLambdaContext(logger))
    .handler(async (event) => {
      try {
        const principal = await fn(getContext(), event);
        return policy(principal, "Allow", event.methodArn);
      } catch (err) {
        if (err instanceof UnauthorizedError) {
          logger.info("websocket connect refused", { reason: err.message });
          throw new Error("Unauthorized"); // API Gateway's literal for 401
        }
        if (err instanceof RaglineError && err.status === 403) return policy(ANONYMOUS, "Deny", event.methodArn);
        throw err; // anything else: API Gateway answers 500
      }
    });
}

function policy(principal: Principal, effect: "Allow" | "Deny", methodArn: string): APIGatewayAuthorizerResult {
  return {
    principalId: `${principal.tenant}/${principal.subject}`,
    policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: methodArn }] },
    ...(effect === "Allow" ? { context: { principal: JSON.stringify(principal) } } : {}),
  };
}
