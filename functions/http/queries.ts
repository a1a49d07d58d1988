import { eventsQuerySchema, submitQuerySchema } from "../../events/api";
import { canReadJob } from "../../shared/auth/policy";
import type { Principal } from "../../shared/auth/principal";
import { NotFoundError } from "../../shared/domain/errors";
import { cancelJob } from "../../shared/jobs/cancel";
import { submitQuery } from "../../shared/query/submit";
import { httpHandler, json, jsonBody, parseInput } from "../lib/http";

export const handler = httpHandler({
  "POST /queries": async (ctx, event, principal) => {
    // The principal comes from the key store, never from the body; it restricts the search itself.
    const req = parseInput(submitQuerySchema, jsonBody(event), "body");
    const { tenant, subject, groups } = principal as Principal;
    const job = await submitQuery(ctx, { ...req, principal: { tenant, subject, groups } });
    return json(
      202,
      {
        jobId: job.id,
        status: job.status,
        jobClass: job.request.jobClass,
        links: { self: `/queries/${job.id}`, events: `/queries/${job.id}/events`, websocket: "/ws" },
      },
      { location: `/queries/${job.id}` },
    );
  },
  "GET /queries/{id}": async (ctx, event, p) => {
    const principal = p as Principal;
    const job = await ctx.jobs.get(event.pathParameters?.id ?? "");
    if (!job || !canReadJob(job, principal)) throw new NotFoundError("query job");
    return json(200, {
      jobId: job.id,
      status: job.status,
      question: job.request.question,
      answer: job.result?.answer,
      citations: job.result?.citations,
      abstained: job.result?.abstained,
      backends: job.result?.backends,
      unsupportedSentences: job.result?.unsupportedSentences,
      timings: job.result?.timings ?? (job.checkpoints.timings as object | undefined),
      error: job.error,
      webhook: job.checkpoints.webhook,
      createdAt: job.createdAt,
      updatedAt: job.updatedAt,
      waiting: job.checkpoints.waiting ?? undefined, // why a working job makes no progress (worker lost, retry)
    });
  },
  "DELETE /queries/{id}": async (ctx, event, p) => {
    const principal = p as Principal;
    const found = await ctx.jobs.get(event.pathParameters?.id ?? "");
    if (!found || !canReadJob(found, principal)) throw new NotFoundError("query job"); // only the asker may cancel
    const job = await cancelJob(ctx, found.id);
    return json(202, { jobId: job.id, status: job.status });
  },
  "GET /queries/{id}/events": async (ctx, event, p) => {
    const { after } = parseInput(eventsQuerySchema, event.queryStringParameters ?? {}, "query");
    const principal = p as Principal;
    const id = event.pathParameters?.id ?? "";
    const job = await ctx.jobs.get(id);
    if (!job || !canReadJob(job, principal)) throw new NotFoundError("query job");
    return json(200, { jobId: id, events: await ctx.jobs.events(id, after) });
  },
});
