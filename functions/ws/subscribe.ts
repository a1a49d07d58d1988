import { subscribeFrameSchema } from "../../events/ws";
import { authorizeRoute } from "../../shared/auth/policy";
import { subscribeToJob } from "../../shared/query/subscribe";
import { parseInput } from "../lib/http";
import { connectionPrincipal, wsHandler } from "../lib/ws";

export const handler = wsHandler(async (ctx, event) => {
  let frame: unknown;
  try {
    frame = JSON.parse(event.body ?? "");
  } catch {
    throw new Error("frame is not valid JSON");
  }
  const { jobId, afterSeq } = parseInput(subscribeFrameSchema, frame, "frame");
  // The principal is what the $connect authorizer returned (requestContext.authorizer).
  const principal = connectionPrincipal(ctx, event);
  authorizeRoute("ws subscribe", principal);
  await subscribeToJob(ctx, event.requestContext.connectionId, jobId, afterSeq, principal);
});
