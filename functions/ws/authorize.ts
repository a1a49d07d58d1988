import { authenticate } from "../../shared/auth/principal";
import { authorizerHandler } from "../lib/ws-authorizer";

// The Lambda REQUEST authorizer of the WebSocket $connect route: an API key in a header
// (x-api-key / Authorization: Bearer) or, for browsers, which cannot set headers on a WebSocket,
// `?token=`. The principal reaches every later event as requestContext.authorizer.principal.
export const handler = authorizerHandler(async (ctx, event) => {
  const token = event.queryStringParameters?.token;
  return authenticate({ ...event.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) }, ctx.config);
});
