import { TooManyRequestsError } from "../../shared/domain/errors";
import { cancelJob } from "../../shared/jobs/cancel";
import { submitQuery } from "../../shared/query/submit";
import type { Context } from "../../shared/runtime/context";
import type { DocumentState, JobEventView, JobView, PipelineClient, SubmitRequest } from "./client";
import { RetryLater } from "./client";

// The runner's way in from inside the system (the scheduled evals function): documents are put in
// the bucket, whose notifications start ingestion; questions are submitted as jobs on the query
// queue and run by the query workers, exactly as POST /queries does. The eval documents carry an
// ACL group and the questions a principal in it, so eval data never shows up in users' answers.

export const EVAL_GROUP = "ragline-evals";
export const EVAL_PRINCIPAL = { tenant: "ragline-evals", subject: "ragline-evals", groups: [EVAL_GROUP] };

export class PortsPipelineClient implements PipelineClient {
  readonly target = "ports";
  constructor(private readonly ctx: Context) {}

  async document(key: string): Promise<DocumentState | undefined> {
    return this.ctx.catalog.get(key);
  }

  async putDocument(key: string, body: Buffer, contentType: string, metadata: Record<string, string> = {}): Promise<void> {
    await this.ctx.objects.put(key, body, { contentType, metadata: { acl: EVAL_GROUP, ...metadata, tenant: EVAL_PRINCIPAL.tenant } });
  }

  async listDocuments(prefix: string): Promise<DocumentState[]> {
    const out: DocumentState[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.ctx.catalog.list({ prefix, limit: 1000, after });
      out.push(...page);
      if (page.length < 1000) return out;
      after = page.at(-1)!.key;
    }
  }

  async submit(req: SubmitRequest): Promise<string> {
    try {
      return (await submitQuery(this.ctx, { ...req, principal: EVAL_PRINCIPAL })).id;
    } catch (err) {
      if (err instanceof TooManyRequestsError) throw new RetryLater(err.retryAfterSeconds * 1000, err.message);
      throw err;
    }
  }

  async job(id: string): Promise<JobView | undefined> {
    const job = await this.ctx.jobs.get(id);
    if (!job) return undefined;
    return { jobId: job.id, status: job.status, ...job.result, error: job.error, createdAt: job.createdAt, updatedAt: job.updatedAt };
  }

  async events(id: string): Promise<JobEventView[]> {
    return this.ctx.jobs.events(id, 0);
  }

  async cancel(id: string): Promise<void> {
    await cancelJob(this.ctx, id).catch(() => undefined);
  }
}
