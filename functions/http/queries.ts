import { eventsQuerySchema, submitQuerySchema } from "../../events/api";
import { NotFoundError } from "../../shared/domain/errors";
import { submitQuery } from "../../shared/query/submit";
import { httpHandler, json, jsonBody, parseInput } from "../lib/http";

export const handler = httpHandler({
  "POST /queries": async (ctx, event) => {
    const req = parseInput(submitQuerySchema, jsonBody(event), "body");
    const job = await submitQuery(ctx, req);
    return json(202, {
      jobId: job.id, status: job.status,
      links: { self: `/queries/${job.id}`, events: `/queries/${job.id}/events`, websocket: "/ws" },
    }, { location: `/queries/${job.id}` });
  },
  "GET /queries/{id}": async (ctx, event) => {
    const job = await ctx.jobs.get(event.pathParameters?.id ?? "");
    if (!job) throw new NotFoundError("query job");
    return json(200, {
      jobId: job.id, status: job.status, question: job.request.question,
      answer: job.result?.answer, citations: job.result?.citations, abstained: job.result?.abstained,
      backends: job.result?.backends, timings: job.result?.timings ?? (job.checkpoints.timings as object | undefined),
      error: job.error, createdAt: job.createdAt, updatedAt: job.updatedAt,
    });
  },
  "GET /queries/{id}/events": async (ctx, event) => {
    const { after } = parseInput(eventsQuerySchema, event.queryStringParameters ?? {}, "query");
    const id = event.pathParameters?.id ?? "";
    if (!(await ctx.jobs.get(id))) throw new NotFoundError("query job");
    return json(200, { jobId: id, events: await ctx.jobs.events(id, after) });
  },
});
