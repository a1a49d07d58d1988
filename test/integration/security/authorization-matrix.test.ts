import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startHost, type Host } from "../../../host";
import { ROUTE_POLICY } from "../../../shared/auth/policy";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { topology } from "../../../shared/topology";
import { writeReportToBucket } from "../../../evals/report/store";
import { evalReport } from "../../helpers/eval-report";
import { api, followJob } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";

// Every HTTP route and WebSocket action of the topology × every kind of caller, through a real host
// (RAGLINE_AUTH=required). A route added to the topology without a policy entry and a row here fails.

const key = (who: string) => `${who}-key-0123456789abcdef`;
const KEYS = [
  { key: key("alice"), tenant: "acme", subject: "alice", groups: ["hr"], roles: ["writer"] }, // owner of the hr document
  { key: key("carol"), tenant: "acme", subject: "carol", groups: ["hr"], roles: ["reader"] }, // reader in the group
  { key: key("dave"), tenant: "acme", subject: "dave", groups: ["hr"], roles: ["writer"] }, // writer in the group, not the owner
  { key: key("bob"), tenant: "acme", subject: "bob", groups: ["eng"], roles: ["writer"] }, // same tenant, other group
  { key: key("eve"), tenant: "evil", subject: "eve", groups: ["hr"], roles: ["writer"] }, // other tenant, same group name
  { key: key("root"), tenant: "acme", subject: "root", groups: [], roles: ["admin"] }, // admin of the tenant
];
type Who = "anonymous" | "alice" | "carol" | "dave" | "bob" | "eve" | "root";
const CALLERS: Who[] = ["anonymous", "eve", "bob", "carol", "dave", "alice", "root"];
const as = (who: Who): Record<string, string> => (who === "anonymous" ? {} : { "x-api-key": key(who) });

const HR_DOC = "hr/policy.md";
const HR_TEXT = "# Parental leave\n\nEmployees get sixteen weeks of paid parental leave.\n";

const RUN = "2026-11-30T10-18-29-981Z-audit";
const ADMIN_ONLY = { anonymous: 401, eve: 403, bob: 403, carol: 403, dave: 403, alice: 403, root: 200 };

interface Row {
  expect: Record<Who, number>;
  call: (who: Who) => Promise<{ status: number; body: any }>;
}

describe("authorization matrix: every route × every caller (in-process host, auth required)", () => {
  const t = tempDir();
  let host: Host;
  let ctx: Context;
  let alicesJob: string;
  const put = (who: Who, k: string, text: string, headers: Record<string, string> = {}) =>
    api(host.url, "PUT", `/documents/${k}`, Buffer.from(text), { "content-type": "text/markdown", ...as(who), ...headers });

  const ROWS: Record<string, Row> = {
    "PUT /documents/{key+}": {
      // Overwrite of alice's hr document with the same bytes and no ACL header (the ACL is kept).
      expect: { anonymous: 401, eve: 403, bob: 404, carol: 403, dave: 202, alice: 202, root: 202 },
      call: (who) => put(who, HR_DOC, HR_TEXT),
    },
    "GET /documents": {
      expect: { anonymous: 401, eve: 200, bob: 200, carol: 200, dave: 200, alice: 200, root: 200 },
      call: (who) => api(host.url, "GET", "/documents", undefined, as(who)),
    },
    "GET /documents/{key+}": {
      expect: { anonymous: 401, eve: 404, bob: 404, carol: 200, dave: 200, alice: 200, root: 404 },
      call: (who) => api(host.url, "GET", `/documents/${HR_DOC}`, undefined, as(who)),
    },
    "DELETE /documents/{key+}": {
      expect: { anonymous: 401, eve: 404, bob: 404, carol: 403, dave: 202, alice: 202, root: 202 },
      call: async (who) => {
        const target = `hr/delete-by-${who}.md`;
        expect((await put("alice", target, `Notes for ${who}.`, { "x-amz-meta-acl": "hr" })).status).toBe(202);
        return api(host.url, "DELETE", `/documents/${target}`, undefined, as(who));
      },
    },
    "POST /documents/{key+}": {
      // <key>/retry: ingest it again.
      expect: { anonymous: 401, eve: 404, bob: 404, carol: 403, dave: 202, alice: 202, root: 202 },
      call: (who) => api(host.url, "POST", `/documents/${HR_DOC}/retry`, undefined, as(who)),
    },
    "POST /queries": {
      expect: { anonymous: 401, eve: 202, bob: 202, carol: 202, dave: 202, alice: 202, root: 202 },
      call: (who) => api(host.url, "POST", "/queries", { question: "How long is parental leave?" }, as(who)),
    },
    "GET /queries/{id}": {
      expect: { anonymous: 401, eve: 404, bob: 404, carol: 404, dave: 404, alice: 200, root: 404 },
      call: (who) => api(host.url, "GET", `/queries/${alicesJob}`, undefined, as(who)),
    },
    "GET /queries/{id}/events": {
      expect: { anonymous: 401, eve: 404, bob: 404, carol: 404, dave: 404, alice: 200, root: 404 },
      call: (who) => api(host.url, "GET", `/queries/${alicesJob}/events`, undefined, as(who)),
    },
    "DELETE /queries/{id}": {
      expect: { anonymous: 401, eve: 404, bob: 404, carol: 404, dave: 404, alice: 202, root: 404 },
      call: async (who) => {
        const own = await api(host.url, "POST", "/queries", { question: "parental leave weeks" }, as("alice"));
        const r = await api(host.url, "DELETE", `/queries/${own.body.jobId}`, undefined, as(who));
        // Allowed either way: 202 cancelled, or 409 when the job had already finished.
        return r.status === 409 && r.body.error.code === "conflict" ? { ...r, status: 202 } : r;
      },
    },
    "POST /sources/changed": {
      // A re-announcement that opens the document to everyone: only its owner or an admin.
      expect: { anonymous: 401, eve: 404, bob: 404, carol: 403, dave: 403, alice: 202, root: 202 },
      call: async (who) => {
        const r = await api(host.url, "POST", "/sources/changed", { key: HR_DOC, metadata: { acl: [] } }, as(who));
        // Put the ACL back at once, as the owner, so the next caller meets the same document.
        if (r.status === 202)
          expect((await api(host.url, "POST", "/sources/changed", { key: HR_DOC, metadata: { acl: ["hr"] } }, as("alice"))).status).toBe(202);
        return r;
      },
    },
    "POST /uploads": {
      // An upload URL for the hr document: a write to it, as PUT /documents.
      expect: { anonymous: 401, eve: 403, bob: 404, carol: 403, dave: 200, alice: 200, root: 200 },
      call: (who) => api(host.url, "POST", "/uploads", { key: HR_DOC, contentType: "text/markdown", size: Buffer.byteLength(HR_TEXT) }, as(who)),
    },
    "PUT /uploads/{token}": {
      // The URL alice was given is the credential, whoever holds it; used once.
      expect: { anonymous: 202, eve: 202, bob: 202, carol: 202, dave: 202, alice: 202, root: 202 },
      call: async (who) => {
        const text = Buffer.from(`Uploaded for ${who}.`);
        const ticket = await api(
          host.url,
          "POST",
          "/uploads",
          { key: `hr/uploaded-for-${who}.md`, contentType: "text/markdown", size: text.length, metadata: { acl: ["hr"] } },
          as("alice"),
        );
        expect(ticket.status).toBe(200);
        const path = new URL(ticket.body.url).pathname;
        const r = await api(host.url, "PUT", path, text, { ...ticket.body.headers, ...as(who) });
        expect((await api(host.url, "PUT", path, text, ticket.body.headers)).status).toBe(403);
        return r;
      },
    },
    "GET /index/rollout": {
      expect: { anonymous: 401, eve: 403, bob: 403, carol: 403, dave: 403, alice: 403, root: 200 },
      call: (who) => api(host.url, "GET", "/index/rollout", undefined, as(who)),
    },
    // Eval runs are system-wide: admins only (eve is an admin of no tenant here).
    "GET /evals": { expect: ADMIN_ONLY, call: (who) => api(host.url, "GET", "/evals", undefined, as(who)) },
    "GET /evals/{id}": { expect: ADMIN_ONLY, call: (who) => api(host.url, "GET", `/evals/${RUN}`, undefined, as(who)) },
    "GET /evals/{id}/report": {
      expect: ADMIN_ONLY,
      call: async (who) => ({ status: (await fetch(`${host.url}/evals/${RUN}/report`, { headers: as(who) })).status, body: undefined }),
    },
    "GET /evals/{id}/audit": { expect: ADMIN_ONLY, call: (who) => api(host.url, "GET", `/evals/${RUN}/audit`, undefined, as(who)) },
    "POST /evals/{id}/audit": { expect: ADMIN_ONLY, call: (who) => api(host.url, "POST", `/evals/${RUN}/audit`, { verdicts: { A01: "useful" } }, as(who)) },
    "GET /health": {
      expect: { anonymous: 200, eve: 200, bob: 200, carol: 200, dave: 200, alice: 200, root: 200 },
      call: async (who) => {
        const r = await api(host.url, "GET", "/health", undefined, as(who));
        // Details (backends, queues, counts) only for admins.
        expect(Boolean(r.body.queues)).toBe(who === "root");
        return r;
      },
    },
  };

  beforeAll(async () => {
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_AUTH: "required", RAGLINE_API_KEYS: JSON.stringify(KEYS) }));
    host = await startHost({ ctx, port: 0 });
    expect((await put("alice", HR_DOC, HR_TEXT, { "x-amz-meta-acl": "hr" })).status).toBe(202);
    await writeReportToBucket(ctx.objects, evalReport(RUN));
    await waitFor(async () => (await ctx.catalog.get(HR_DOC))?.status === "indexed", "hr document indexed");
    alicesJob = (await api(host.url, "POST", "/queries", { question: "How long is parental leave?" }, as("alice"))).body.jobId;
  });
  afterAll(async () => {
    await host?.close();
    t.cleanup();
  });

  it("has a policy entry and a matrix row for every route of the topology, and none for routes that do not exist", () => {
    const routes = Object.values(topology.functions).flatMap((f) =>
      f.trigger.kind === "http" ? f.trigger.routes : f.trigger.kind === "websocket" ? [`ws ${f.trigger.route}`] : [],
    );
    for (const r of routes) expect(ROUTE_POLICY[r], `policy for ${r}`).toBeDefined();
    for (const r of routes.filter((r) => !r.startsWith("ws "))) expect(ROWS[r], `matrix row for ${r}`).toBeDefined();
    expect(Object.keys(ROUTE_POLICY).sort()).toEqual([...routes].sort());
  });

  for (const routeKey of Object.values(topology.functions).flatMap((f) => (f.trigger.kind === "http" ? f.trigger.routes : []))) {
    it(`${routeKey}: ${CALLERS.join(", ")}`, async () => {
      const row = ROWS[routeKey];
      expect(row, `no matrix row for ${routeKey}`).toBeDefined();
      const got: Partial<Record<Who, number>> = {};
      for (const who of CALLERS) got[who] = (await row.call(who)).status;
      expect(got).toEqual(row.expect);
    });
  }

  it("GET /documents/{key+}?content (the bytes): the same callers as the record", async () => {
    const got: Partial<Record<Who, number>> = {};
    for (const who of CALLERS) got[who] = (await fetch(`${host.url}/documents/${HR_DOC}?content`, { headers: as(who) })).status;
    expect(got).toEqual(ROWS["GET /documents/{key+}"].expect);
  });

  it("ws $connect, subscribe: no key is refused; a caller follows only its own jobs", async () => {
    const refused = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(host.wsUrl);
      ws.on("open", () => ws.send(JSON.stringify({ action: "subscribe", jobId: alicesJob, afterSeq: 0 })));
      ws.on("message", (m) => {
        if (JSON.parse(m.toString()).type !== "error") resolve(false);
      });
      ws.on("close", () => resolve(true));
      ws.on("error", () => resolve(true));
    });
    expect(refused).toBe(true);
    expect((await followJob(`${host.wsUrl}?token=${key("alice")}`, alicesJob)).at(-1)!.type).toBe("done");
    for (const who of ["eve", "bob", "carol", "root"] as const) {
      await expect(followJob(`${host.wsUrl}?token=${key(who)}`, alicesJob)).rejects.toThrow(/not found/);
    }
  });

  it("tenants are isolated: a same-named group in another tenant lists, reads and retrieves nothing of acme's", async () => {
    const listed = (who: Who) => api(host.url, "GET", "/documents", undefined, as(who)).then((r) => r.body);
    const eve = await listed("eve");
    expect(eve.documents.map((d: { key: string }) => d.key)).not.toContain(HR_DOC);
    expect(Object.values(eve.counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(0); // counts say nothing of acme
    expect((await listed("carol")).documents.map((d: { key: string }) => d.key)).toContain(HR_DOC);
    expect((await api(host.url, "GET", `/documents/${HR_DOC}/chunks`, undefined, as("eve"))).status).toBe(404);

    // What each caller's job retrieved (its event log), and what its answer cites.
    const ask = async (who: Who) => {
      const jobId = (await api(host.url, "POST", "/queries", { question: "How many weeks of paid parental leave?" }, as(who))).body.jobId;
      const frames = await followJob(`${host.wsUrl}?token=${key(who)}`, jobId);
      const retrieved = frames.filter((f) => f.type === "retrieved").flatMap((f) => (f.data.chunks as { documentKey: string }[]).map((c) => c.documentKey));
      return { retrieved, job: (await api(host.url, "GET", `/queries/${jobId}`, undefined, as(who))).body };
    };
    expect((await ask("carol")).retrieved).toContain(HR_DOC); // the same question finds it for a reader in acme
    const asEve = await ask("eve");
    expect(asEve.retrieved).not.toContain(HR_DOC);
    expect(asEve.job.citations ?? []).toEqual([]);
    expect(JSON.stringify(asEve.job)).not.toMatch(/sixteen weeks/);
  });

  it("writes: sidecars are not writable, tenant and owner are not settable, and an ACL change needs the owner or an admin", async () => {
    expect((await put("alice", `${HR_DOC}.meta.json`, JSON.stringify({ acl: [] }))).status).toBe(400);
    expect((await put("alice", "hr/x.md", "x", { "x-amz-meta-tenant": "evil" })).status).toBe(400);
    expect((await put("alice", "hr/x.md", "x", { "x-amz-meta-owner": "eve" })).status).toBe(400);
    expect((await api(host.url, "POST", "/sources/changed", { key: HR_DOC, metadata: { tenant: "evil" } }, as("root"))).status).toBe(400);
    // dave may write the document (he reads it) but not open it to everyone or hand it to eng.
    expect((await put("dave", HR_DOC, HR_TEXT, { "x-amz-meta-acl": "" })).status).toBe(403);
    expect((await put("dave", HR_DOC, HR_TEXT, { "x-amz-meta-acl": "eng" })).status).toBe(403);
    expect((await put("dave", HR_DOC, HR_TEXT, { "x-amz-meta-acl": "hr" })).status).toBe(202); // unchanged ACL
    expect((await api(host.url, "GET", `/documents/${HR_DOC}`, undefined, as("carol"))).body.metadata).toMatchObject({
      acl: ["hr"],
      owner: "alice",
      tenant: "acme",
    });
  });

  it("two ACL changes by POST /sources/changed apply in the order they were answered, whatever order their queued events run in", async () => {
    for (const acl of [[], ["hr"], [], ["hr"]]) {
      expect((await api(host.url, "POST", "/sources/changed", { key: HR_DOC, metadata: { acl } }, as("alice"))).status).toBe(202);
      // Written onto the object before the answer, not left to a queued event.
      expect(JSON.parse((await ctx.objects.head(HR_DOC))!.metadata!.acl)).toEqual(acl);
    }
    // At once (the object is the truth for writes): dave may not open it, as the last answer left it closed.
    expect((await put("dave", HR_DOC, HR_TEXT, { "x-amz-meta-acl": "" })).status).toBe(403);
    // And once its events have run, the catalog says the same.
    await waitFor(async () => {
      const r = await ctx.catalog.get(HR_DOC);
      return r?.status === "indexed" && r.metadata?.acl?.join() === "hr";
    }, "hr document settled with its ACL");
  });

  it("the same bytes in another tenant are not a duplicate of acme's document, and duplicateOf never names an unreadable key", async () => {
    await waitFor(async () => {
      const r = await ctx.catalog.get(HR_DOC);
      return r?.status === "indexed" && r.metadata?.acl?.join() === "hr";
    }, "hr document settled");
    expect((await put("eve", "evil/copy.md", HR_TEXT)).status).toBe(202);
    const doc = await waitFor(async () => {
      const r = await api(host.url, "GET", "/documents/evil/copy.md", undefined, as("eve"));
      return r.status === 200 && ["indexed", "duplicate", "failed"].includes(r.body.status) ? r.body : undefined;
    }, "eve's copy settled");
    expect(doc.status).toBe("indexed");
    expect(doc.duplicateOf).toBeUndefined();
    // Inside acme, a copy readable by everyone is not a duplicate of the hr-only document either.
    expect((await put("bob", "eng/copy.md", HR_TEXT)).status).toBe(202);
    const bobs = await waitFor(async () => {
      const r = await api(host.url, "GET", "/documents/eng/copy.md", undefined, as("bob"));
      return r.status === 200 && ["indexed", "duplicate", "failed"].includes(r.body.status) ? r.body : undefined;
    }, "bob's copy settled");
    expect(bobs).toMatchObject({ status: "indexed" });
    expect(bobs.duplicateOf).toBeUndefined();
  });
});
