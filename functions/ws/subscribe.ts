import { subscribeFrameSchema } from "../../events/ws";
import { ANONYMOUS, type Principal } from "../../shared/auth/principal";
import { subscribeToJob } from "../../shared/query/subscribe";
import { parseInput } from "../lib/http";
import { wsHandler } from "../lib/ws";

export const handler = wsHandler(async (ctx, event) => {
  let frame: unknown;
  try { frame = JSON.parse(event.body ?? ""); } catch { throw new Error("frame is not valid JSON"); }
  const { jobId, afterSeq } = parseInput(subscribeFrameSchema, frame, "frame");
  // Set by $connect (or API Gateway's authorizer); a connection without one follows as anonymous.
  const raw = (event.requestContext as { authorizer?: { principal?: string } }).authorizer?.principal;
  const principal: Principal = raw ? JSON.parse(raw) : ANONYMOUS;
  await subscribeToJob(ctx, event.requestContext.connectionId, jobId, afterSeq, principal);
});
