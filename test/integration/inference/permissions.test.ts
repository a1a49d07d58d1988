import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../../functions/http/queries";
import { lambdaContext } from "../../../host/lambda-context";
import type { QueryFilters } from "../../../shared/domain/job";
import { runQueryJob } from "../../../shared/query/run-job";
import { setContext } from "../../../shared/runtime/context";
import { tempDir } from "../../helpers/tmp";
import { CORPUS, embeddedContext, indexCorpus } from "./corpus";

// Document-level permissions, through the HTTP handler (principal from the API key) down to the
// embedded index. Local models (no inference host needed): permissions must not depend on them.

const KEYS = [
  { key: "alice-key-0123456789abcdef", tenant: "acme", subject: "alice", groups: ["hr"] },
  { key: "bob-key-0123456789abcdef00", tenant: "acme", subject: "bob", groups: ["eng"] },
];
const SECRET = { alice: "eng/falcon.md", bob: "hr/salaries.md" } as const;
const OWN = { alice: "hr/salaries.md", bob: "eng/falcon.md" } as const;
const FILTERS: (QueryFilters | undefined)[] = [
  undefined,
  { keyPrefix: "eng/" },
  { keyPrefix: "hr/" },
  { department: "eng" },
  { department: "hr" },
  { tags: ["confidential"] },
  { dateFrom: "2026-01-01", dateTo: "2026-12-31" },
];
const QUESTIONS = [
  "What are the salary bands for engineers?",
  "When does Project Falcon launch with the new rendering engine?",
  "Falcon salary bonuses engineers",
];

function event(routeKey: string, opts: { key?: string; body?: unknown; id?: string } = {}): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey,
    rawPath: "/",
    rawQueryString: "",
    isBase64Encoded: false,
    headers: { "content-type": "application/json", ...(opts.key ? { "x-api-key": opts.key } : {}) },
    pathParameters: opts.id ? { id: opts.id } : undefined,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    requestContext: { http: { method: routeKey.split(" ")[0], path: "/" } } as APIGatewayProxyEventV2["requestContext"],
  };
}
const call = async (e: APIGatewayProxyEventV2) => {
  const r = (await handler(e, lambdaContext("queries", 30))) as APIGatewayProxyStructuredResultV2;
  return { status: r.statusCode, body: JSON.parse(r.body ?? "{}") };
};

describe("permissions: two principals, documents with different ACLs", () => {
  let t: ReturnType<typeof tempDir>;
  let ctx: ReturnType<typeof embeddedContext>;

  beforeAll(async () => {
    t = tempDir();
    ctx = embeddedContext(t.dir, { RAGLINE_AUTH: "required", RAGLINE_API_KEYS: JSON.stringify(KEYS), RAGLINE_MAX_QUEUED_JOBS: "10000" });
    setContext(ctx);
    await indexCorpus(
      ctx,
      CORPUS.map((d) => ({ ...d, meta: { ...d.meta, tenant: "acme" } })),
    ); // the keys' tenant
  });
  afterAll(async () => {
    setContext(undefined);
    await ctx.close();
    t.cleanup();
  });

  async function ask(who: "alice" | "bob", question: string, filters?: QueryFilters) {
    const key = KEYS.find((k) => k.subject === who)!.key;
    const submitted = await call(event("POST /queries", { key, body: { question, filters } }));
    expect(submitted.status).toBe(202);
    await runQueryJob(ctx, submitted.body.jobId);
    const job = await call(event("GET /queries/{id}", { key, id: submitted.body.jobId }));
    const log = await call(event("GET /queries/{id}/events", { key, id: submitted.body.jobId }));
    return { jobId: submitted.body.jobId as string, job: job.body, events: log.body.events as { type: string; data: Record<string, unknown> }[] };
  }

  it("neither principal ever sees the other's chunks in retrieved events, citations or answers, whatever filters they send", async () => {
    for (const who of ["alice", "bob"] as const) {
      const forbidden = CORPUS.find((d) => d.key === SECRET[who])!;
      const distinctive = who === "alice" ? /Falcon launches|rendering engine/ : /80000|120000|Salary bands/;
      for (const question of QUESTIONS) {
        for (const filters of FILTERS) {
          const { job, events } = await ask(who, question, filters);
          expect(job.status, `${who} ${question} ${JSON.stringify(filters)}`).toBe("completed");
          const retrieved = events.filter((e) => e.type === "retrieved").flatMap((e) => e.data.chunks as { documentKey: string }[]);
          expect(retrieved.map((c) => c.documentKey)).not.toContain(forbidden.key);
          expect((job.citations as { documentKey: string }[]).map((c) => c.documentKey)).not.toContain(forbidden.key);
          expect(job.answer).not.toMatch(distinctive);
          expect(JSON.stringify(events)).not.toContain(forbidden.key);
        }
      }
    }
  });

  it("each principal does find its own restricted document", async () => {
    const a = await ask("alice", "What are the salary bands for engineers?");
    expect(a.job.citations.map((c: { documentKey: string }) => c.documentKey)).toContain(OWN.alice);
    const b = await ask("bob", "When does Project Falcon launch?");
    expect(b.job.citations.map((c: { documentKey: string }) => c.documentKey)).toContain(OWN.bob);
  });

  it("the permission filter is inside the index query on both the BM25 and the vector side (top 1 is the best allowed chunk, not nothing)", async () => {
    const text = "Project Falcon salary bonuses for engineers";
    const [vector] = await ctx.embedder.embed([text], "query");
    const access = { tenant: "acme", readers: ["hr", "alice"] };
    const bm25Only = await ctx.index.search({ text, topK: 1, access });
    const vectorOnly = await ctx.index.search({ text: "", vector, embeddingModel: ctx.embedder.model, topK: 1, access });
    const unrestricted = await ctx.index.search({ text, vector, embeddingModel: ctx.embedder.model, topK: 1, access: { tenant: "acme", readers: ["eng"] } });
    expect(unrestricted[0].documentKey).toBe("eng/falcon.md"); // the overall best match is bob's
    expect(bm25Only.map((c) => c.documentKey)).toEqual(["hr/salaries.md"]);
    expect(vectorOnly).toHaveLength(1);
    expect(vectorOnly[0].documentKey).not.toBe("eng/falcon.md");
  });

  it("the principal comes from the key store only: no key is 401, a principal or ACL in the body is refused", async () => {
    expect((await call(event("POST /queries", { body: { question: "salary bands" } }))).status).toBe(401);
    expect((await call(event("POST /queries", { key: "not-a-known-key-000000", body: { question: "salary bands" } }))).status).toBe(401);
    const smuggled = await call(event("POST /queries", { key: KEYS[1].key, body: { question: "salary bands", principal: { groups: ["hr"] } } }));
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.error.message).toMatch(/principal/);
    const aclFilter = await call(event("POST /queries", { key: KEYS[1].key, body: { question: "salary bands", filters: { groups: ["hr"] } } }));
    expect(aclFilter.status).toBe(400);
  });

  it("a job, its events and its cancellation belong to the principal that asked", async () => {
    const { jobId } = await ask("alice", "What are the salary bands for engineers?");
    expect((await call(event("GET /queries/{id}", { key: KEYS[1].key, id: jobId }))).status).toBe(404);
    expect((await call(event("GET /queries/{id}/events", { key: KEYS[1].key, id: jobId }))).status).toBe(404);
    expect((await call(event("DELETE /queries/{id}", { key: KEYS[1].key, id: jobId }))).status).toBe(404);
    expect((await call(event("GET /queries/{id}", { key: KEYS[0].key, id: jobId }))).status).toBe(200);
  });
});
