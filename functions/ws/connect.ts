import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { authenticate } from "../../shared/auth/principal";
import { wsHandler } from "../lib/ws";

// $connect authenticates once (x-api-key / Authorization header, or ?token= for browsers, which cannot
// set headers on a WebSocket). The principal travels as the connection's authorizer context, the
// shape API Gateway gives every later event of a connection whose $connect has a REQUEST authorizer.
export const handler = wsHandler(async (ctx, event) => {
  const e = event as APIGatewayProxyWebsocketEventV2 & { headers?: Record<string, string>; queryStringParameters?: Record<string, string> };
  const token = e.queryStringParameters?.token;
  const principal = authenticate({ ...e.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) }, ctx.config);
  return { statusCode: 200, context: { principal: JSON.stringify(principal) } };
});
