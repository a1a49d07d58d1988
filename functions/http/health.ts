import { hasRole } from "../../shared/auth/policy";
import { QUEUES } from "../../shared/topology";
import { httpHandler, json } from "../lib/http";

// Liveness for anyone (load balancers, probes); backends, queue depths and counts only for admins.
export const handler = httpHandler({
  "GET /health": async (ctx, _event, principal) => {
    if (!principal || !hasRole(principal, "admin")) return json(200, { status: "ok" });
    const queues = Object.fromEntries(await Promise.all(Object.values(QUEUES).map(async (q) => [q, await ctx.queue.depth(q)] as const)));
    return json(200, {
      status: "ok",
      backends: { objects: ctx.objects.name, queue: ctx.queue.name, jobs: ctx.jobs.name, index: ctx.index.name },
      queues,
      documents: await ctx.catalog.counts(),
    });
  },
});
