import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditSheetFrom, importSheet } from "../../../evals/audit/sheet";
import { toCsv } from "../../../evals/audit/csv";
import { writeReportToBucket } from "../../../evals/report/store";
import { startHost, type Host } from "../../../host";
import { documentContent } from "../../../shared/ingest/document-content";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { api } from "../../helpers/host-process";
import { evalReport } from "../../helpers/eval-report";
import { tempDir, waitFor } from "../../helpers/tmp";

// The API routes the console needs beyond documents and queries, on a real in-process host with auth
// required: a document's bytes (GET /documents/{key}?content) and the eval runs with their blind audit.

const KEYS = [
  { key: "alice-key-0123456789abcdef", tenant: "acme", subject: "alice", groups: ["hr"], roles: ["writer"] },
  { key: "bob-key-0123456789abcdef00", tenant: "acme", subject: "bob", groups: ["eng"], roles: ["reader"] },
  { key: "root-key-0123456789abcdef0", tenant: "acme", subject: "root", groups: ["hr"], roles: ["admin"] },
];
const [ALICE, BOB, ROOT] = KEYS.map((k) => ({ "x-api-key": k.key }));
const RUN = "2026-11-30T10-18-29-981Z-audit";

async function raw(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe("console API: document bytes and eval runs (in-process host, auth required)", () => {
  const t = tempDir();
  let host: Host;
  let ctx: Context;

  beforeAll(async () => {
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_AUTH: "required", RAGLINE_API_KEYS: JSON.stringify(KEYS) }));
    host = await startHost({ ctx, port: 0 });
    await writeReportToBucket(ctx.objects, evalReport(RUN));
    await writeReportToBucket(ctx.objects, evalReport("2026-11-29T08-00-00-000Z-gate", "2026-11-29T08:00:00.000Z"));
  });
  afterAll(async () => {
    await host?.close();
    t.cleanup();
  });

  it("?content serves the bytes as stored, inert: its type, a download, nosniff, a sandbox CSP; 404 for a caller the ACL does not admit", async () => {
    const html = Buffer.from("<!doctype html><p>Badge rules</p><script>parent.__xss = 1</script>");
    expect((await api(host.url, "PUT", "/documents/hr/badges.html", html, { "content-type": "text/html", "x-amz-meta-acl": "hr", ...ALICE })).status).toBe(202);
    await waitFor(async () => (await ctx.catalog.get("hr/badges.html"))?.status === "indexed", "indexed");
    const got = await raw(`${host.url}/documents/hr/badges.html?content`, ALICE);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(html)).toBe(true);
    expect(got.headers.get("content-type")).toBe("text/html");
    expect(got.headers.get("content-disposition")).toBe(`attachment; filename="badges.html"; filename*=UTF-8''badges.html`);
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    expect(got.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'");
    expect((await raw(`${host.url}/documents/hr/badges.html?content`, BOB)).status).toBe(404); // not in hr: as if absent
    expect((await raw(`${host.url}/documents/hr/nothing.html?content`, ALICE)).status).toBe(404);
    expect((await raw(`${host.url}/documents/hr/badges.html?content`, {})).status).toBe(401);
    // Without ?content the same path is still the record.
    expect((await api(host.url, "GET", "/documents/hr/badges.html", undefined, ALICE)).body.status).toBe("indexed");
  });

  it("a newer object whose ACL no longer admits the caller is not served under the catalog's older ACL", async () => {
    const key = "hr/plan.md";
    await ctx.catalog.put(key, { status: "indexed", metadata: { tenant: "acme", acl: ["hr", "eng"] } });
    await ctx.objects.put(key, Buffer.from("# Plan"), { metadata: { tenant: "acme", acl: JSON.stringify(["hr"]) } });
    const bob = { tenant: "acme", subject: "bob", groups: ["eng"], roles: ["reader" as const] };
    await expect(documentContent(ctx, bob, key)).rejects.toThrow(/not found/);
    expect(await documentContent(ctx, { ...bob, subject: "alice", groups: ["hr"] }, key)).toMatchObject({ body: Buffer.from("# Plan") });
  });

  it("the folder bucket lists its hidden reports area when asked by prefix, and never in a plain listing", async () => {
    const keys = async (prefix?: string) => {
      const out: string[] = [];
      for await (const o of ctx.objects.list(prefix)) out.push(o.key);
      return out;
    };
    expect(await keys(".reports/evals/")).toEqual(
      expect.arrayContaining([`.reports/evals/${RUN}/report.json`, `.reports/evals/${RUN}/report.html`, ".reports/evals/latest.json"]),
    );
    expect((await keys()).filter((k) => k.startsWith("."))).toEqual([]);
    expect(await keys(".reports/evals/../")).toEqual([]);
  });

  it("GET /evals lists the stored runs newest first, for admins only; a run's summary and its report page (sandboxed)", async () => {
    const list = await api(host.url, "GET", "/evals", undefined, ROOT);
    expect(list.status).toBe(200);
    expect(list.body.runs.map((r: { id: string }) => r.id)).toEqual([RUN, "2026-11-29T08-00-00-000Z-gate"]);
    expect(list.body.runs[0]).toMatchObject({ kind: "audit", suite: "audit-3", datasets: [{ name: "policies", questions: 3, usefulShare: { n: 3 } }] });
    expect((await api(host.url, "GET", "/evals", undefined, ALICE)).status).toBe(403);
    expect((await api(host.url, "GET", `/evals/${RUN}`, undefined, ROOT)).body.links).toEqual({ report: `/evals/${RUN}/report`, audit: `/evals/${RUN}/audit` });
    const page = await raw(`${host.url}/evals/${RUN}/report`, ROOT);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toMatch(/^sandbox; default-src 'none'/);
    expect(page.bytes.toString()).toContain(`<title>ragline eval ${RUN}</title>`);
    expect((await api(host.url, "GET", "/evals/2099-01-01T00-00-00-000Z-run", undefined, ROOT)).status).toBe(404);
    expect((await api(host.url, "GET", "/evals/..%2Freport.json", undefined, ROOT)).status).toBe(400);
  });

  it("the audit: items without the automatic verdicts; verdicts in, the same figures as the CSV import of `npm run eval:audit`", async () => {
    const items = await api(host.url, "GET", `/evals/${RUN}/audit`, undefined, ROOT);
    expect(items.body.items.map((i: { item: string }) => i.item)).toEqual(["A01", "A02", "A03"]);
    expect(JSON.stringify(items.body)).not.toMatch(/rule-v1|autoVerdict|"verdict"/);
    const verdicts = { A01: "useful", A02: "useful", A03: "wrong" };
    const scored = await api(host.url, "POST", `/evals/${RUN}/audit`, { verdicts }, ROOT);
    expect(scored.status).toBe(200);
    // The CLI's path: the sheet filled in as a spreadsheet would save it, imported with the key.
    const { items: sheet, key } = auditSheetFrom(evalReport(RUN));
    const csv = toCsv([
      ["item", "question", "answer", "sources", "reference", "verdict", "note"],
      ...sheet.map((i) => [i.item, i.question, i.answer, i.sources, i.reference, verdicts[i.item as keyof typeof verdicts], ""]),
    ]);
    const cli = importSheet(csv, key);
    const { text, ...figures } = scored.body;
    expect(figures).toEqual(cli);
    expect(figures.usefulShare.value).toBeCloseTo(2 / 3);
    expect(figures.agreement).toMatchObject({ n: 3, share: 1 / 3 }); // auto said useful, partly, useful
    expect(text).toMatch(/useful share 66\.7 % {2}\(95% Wilson CI 20\.8–93\.9 %, n=3\)/);
    expect((await api(host.url, "POST", `/evals/${RUN}/audit`, { verdicts: { A09: "useful" } }, ROOT)).status).toBe(400);
    expect((await api(host.url, "POST", `/evals/${RUN}/audit`, { verdicts: { A01: "great" } }, ROOT)).status).toBe(400);
    expect((await api(host.url, "POST", `/evals/${RUN}/audit`, { verdicts }, ALICE)).status).toBe(403);
  });
});
