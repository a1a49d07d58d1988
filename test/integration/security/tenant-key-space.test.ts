import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, type Host } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { api } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";

// RAGLINE_DEFAULT_ACCESS [{"prefix": "", "tenantSegment": true}]: each tenant has its own key space
// (acme/..., evil/...). Without it keys are one namespace, and an upload to another tenant's key
// answers 403 where a free key answers 202 — which says that the key exists. With it, every answer to
// another tenant's caller is the same whether or not the key exists. In-process host, auth required.

const KEYS = [
  { key: "alice-key-0123456789abcdef", tenant: "acme", subject: "alice", groups: ["hr"], roles: ["writer"] },
  { key: "eve-key-0123456789abcdef", tenant: "evil", subject: "eve", groups: ["hr"], roles: ["writer"] },
];
const as = (who: "alice" | "eve") => ({ "x-api-key": `${who}-key-0123456789abcdef` });

describe("per-tenant key spaces (tenantSegment rule, in-process host, auth required)", () => {
  const t = tempDir();
  let host: Host;
  let ctx: Context;
  const put = (who: "alice" | "eve", key: string, text: string, headers: Record<string, string> = {}) =>
    api(host.url, "PUT", `/documents/${key}`, Buffer.from(text), { "content-type": "text/markdown", ...as(who), ...headers });

  beforeAll(async () => {
    ctx = createEmbeddedContext(
      loadConfig({
        RAGLINE_DATA_DIR: t.dir,
        RAGLINE_AUTH: "required",
        RAGLINE_API_KEYS: JSON.stringify(KEYS),
        RAGLINE_DEFAULT_ACCESS: JSON.stringify([{ prefix: "", tenantSegment: true }]),
      }),
    );
    host = await startHost({ ctx, port: 0 });
    expect((await put("alice", "acme/hr.md", "# Leave\n\nSixteen weeks of parental leave.", { "x-amz-meta-acl": "hr" })).status).toBe(202);
    await waitFor(async () => (await ctx.catalog.get("acme/hr.md"))?.status === "indexed", "acme/hr.md indexed");
  });
  afterAll(async () => {
    await host?.close();
    t.cleanup();
  });

  it("another tenant's caller gets the same answer for an existing key and a free one, on every write route", async () => {
    const same = async (call: (key: string) => Promise<{ status: number; body: any }>) => {
      const [taken, free] = [await call("acme/hr.md"), await call("acme/never-written.md")];
      expect(taken.status).toBe(free.status);
      expect(JSON.stringify(taken.body).replaceAll("acme/hr.md", "K")).toBe(JSON.stringify(free.body).replaceAll("acme/never-written.md", "K"));
      return taken.status;
    };
    expect(await same((k) => put("eve", k, "mine now"))).toBe(403);
    expect(await same((k) => api(host.url, "DELETE", `/documents/${k}`, undefined, as("eve")))).toBe(404);
    expect(await same((k) => api(host.url, "POST", `/documents/${k}/retry`, undefined, as("eve")))).toBe(404);
    expect(await same((k) => api(host.url, "POST", "/sources/changed", { key: k }, as("eve")))).toBe(404);
    expect(await same((k) => api(host.url, "GET", `/documents/${k}`, undefined, as("eve")))).toBe(404);
  });

  it("uploads land only in the caller's own key space; a key outside every tenant's is refused", async () => {
    expect((await put("eve", "evil/notes.md", "Eve's notes.")).status).toBe(202);
    expect((await put("alice", "evil/notes2.md", "not hers")).status).toBe(403);
    expect((await put("alice", "top-level.md", "no tenant segment")).status).toBe(403);
    expect((await put("alice", "acme/second.md", "Alice's second file.")).status).toBe(202);
  });

  it("a dropped file belongs to the tenant of its folder, whatever its sidecar claims", async () => {
    mkdirSync(join(ctx.config.bucketDir, "evil"), { recursive: true });
    writeFileSync(join(ctx.config.bucketDir, "evil", "planted.md"), "Acme's parental leave is sixteen weeks, says this planted file.");
    writeFileSync(join(ctx.config.bucketDir, "evil", "planted.md.meta.json"), JSON.stringify({ tenant: "acme", acl: [] }));
    await waitFor(async () => (await ctx.catalog.get("evil/planted.md"))?.status === "indexed", "planted file indexed");
    expect((await ctx.catalog.get("evil/planted.md"))?.metadata?.tenant).toBe("evil");
    expect((await api(host.url, "GET", "/documents/evil/planted.md", undefined, as("alice"))).status).toBe(404);
    const hits = await ctx.index.search({ text: "parental leave sixteen weeks", topK: 10, access: { tenant: "acme", readers: ["hr"] } });
    expect(hits.map((h) => h.documentKey)).not.toContain("evil/planted.md");
  });

  it("a rule cannot both name a tenant and take it from the key", () => {
    expect(() =>
      loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_DEFAULT_ACCESS: JSON.stringify([{ prefix: "", tenant: "acme", tenantSegment: true }]) }),
    ).toThrow(/tenant and tenantSegment exclude each other/);
  });
});
