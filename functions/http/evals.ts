import { formatAudit } from "../../evals/audit/sheet";
import { auditItems, auditVerdictsSchema, listRuns, runIdSchema, runReportHtml, runSummary, scoreAudit } from "../../evals/api/runs";
import { httpHandler, json, jsonBody, parseInput } from "../lib/http";
import type { APIGatewayProxyEventV2 } from "aws-lambda";

// Eval runs for the console (admins only, shared/auth/policy.ts): the list, a run's summary and HTML
// report, and its blind audit (items; verdicts in, the useful share and its interval out). Rules in
// evals/api/runs.ts.

const runId = (event: APIGatewayProxyEventV2) => parseInput(runIdSchema, event.pathParameters?.id ?? "", "path.id");

/** The stored report page: shown in a sandboxed frame, it may style itself but never run script or load anything. */
const REPORT_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
  "x-content-type-options": "nosniff",
  "cache-control": "private, no-store",
};

export const handler = httpHandler({
  "GET /evals": async (ctx) => json(200, { runs: await listRuns(ctx.objects) }),
  "GET /evals/{id}": async (ctx, event) => {
    const id = runId(event);
    return json(200, { ...(await runSummary(ctx.objects, id)), links: { report: `/evals/${id}/report`, audit: `/evals/${id}/audit` } });
  },
  "GET /evals/{id}/report": async (ctx, event) => ({ statusCode: 200, headers: REPORT_HEADERS, body: await runReportHtml(ctx.objects, runId(event)) }),
  "GET /evals/{id}/audit": async (ctx, event) => json(200, await auditItems(ctx.objects, runId(event))),
  "POST /evals/{id}/audit": async (ctx, event) => {
    const { verdicts } = parseInput(auditVerdictsSchema, jsonBody(event), "body");
    const result = await scoreAudit(ctx.objects, runId(event), verdicts);
    return json(200, { ...result, text: formatAudit(result) }); // the CLI's own lines, for the page to show as they are
  },
});
