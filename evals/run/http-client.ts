import type { DocumentState, JobEventView, JobView, PipelineClient, SubmitRequest } from "./client";
import { RetryLater } from "./client";

// The runner's way in over the public HTTP API: PUT /documents/{key}, GET /documents?prefix=,
// POST /queries (202 + job id), GET /queries/{id}, GET /queries/{id}/events.

const encodeKey = (key: string) => key.split("/").map(encodeURIComponent).join("/");

export class HttpPipelineClient implements PipelineClient {
  readonly target: string;
  private readonly auth: Record<string, string>;

  constructor(
    private readonly baseUrl: string,
    apiKey?: string,
  ) {
    this.target = baseUrl.replace(/\/+$/, "");
    this.auth = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  }

  private async call<T>(
    method: string,
    path: string,
    body?: Buffer | string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await this.send(method, path, body, headers);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /**
   * A read that could not reach the host (an embedded host busy parsing a large PDF on a loaded machine
   * misses the connect timeout) is tried again; writes are not, they may have landed.
   */
  private async send(method: string, path: string, body: Buffer | string | undefined, headers: Record<string, string>, tries = 5): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetch(this.target + path, { method, headers: { ...this.auth, ...headers }, body });
      } catch (err) {
        if (method !== "GET" || attempt >= tries) throw err;
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  }

  private fail(what: string, r: { status: number; body: unknown }): never {
    const msg = (r.body as { error?: { message?: string } } | undefined)?.error?.message ?? JSON.stringify(r.body)?.slice(0, 200);
    throw new Error(`${what}: HTTP ${r.status}: ${msg}`);
  }

  async document(key: string): Promise<DocumentState | undefined> {
    const r = await this.call<DocumentState>("GET", `/documents/${encodeKey(key)}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) this.fail(`GET /documents/${key}`, r);
    return r.body;
  }

  async putDocument(key: string, body: Buffer, contentType: string, metadata: Record<string, string> = {}): Promise<void> {
    const meta = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`x-amz-meta-${k}`, v]));
    const r = await this.call("PUT", `/documents/${encodeKey(key)}`, body, { "content-type": contentType, ...meta });
    if (r.status !== 202 && r.status !== 200) this.fail(`PUT /documents/${key}`, r);
  }

  async listDocuments(prefix: string): Promise<DocumentState[]> {
    const out: DocumentState[] = [];
    let after: string | undefined;
    for (;;) {
      const q = new URLSearchParams({ prefix, limit: "1000", ...(after ? { after } : {}) });
      const r = await this.call<{ documents: DocumentState[]; next?: string }>("GET", `/documents?${q}`);
      if (r.status !== 200) this.fail("GET /documents", r);
      out.push(...r.body.documents);
      if (!r.body.next || r.body.documents.length === 0) return out;
      after = r.body.next;
    }
  }

  async submit(req: SubmitRequest): Promise<string> {
    const r = await this.call<{ jobId?: string }>("POST", "/queries", JSON.stringify(req), { "content-type": "application/json" });
    if (r.status === 429) throw new RetryLater(Number(r.headers.get("retry-after") ?? 1) * 1000, "POST /queries: 429");
    if (r.status !== 202 || !r.body.jobId) this.fail("POST /queries", r);
    return r.body.jobId;
  }

  async job(id: string): Promise<JobView | undefined> {
    const r = await this.call<JobView>("GET", `/queries/${encodeURIComponent(id)}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) this.fail(`GET /queries/${id}`, r);
    return r.body;
  }

  async events(id: string): Promise<JobEventView[]> {
    const r = await this.call<{ events: JobEventView[] }>("GET", `/queries/${encodeURIComponent(id)}/events?after=0`);
    if (r.status !== 200) this.fail(`GET /queries/${id}/events`, r);
    return r.body.events;
  }

  async cancel(id: string): Promise<void> {
    await this.call("DELETE", `/queries/${encodeURIComponent(id)}`);
  }
}
