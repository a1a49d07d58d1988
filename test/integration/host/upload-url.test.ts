import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, type Host } from "../../../host";
import { redeemHostUpload, sweepExpiredGrants, UPLOAD_URL_SECONDS } from "../../../shared/ingest/uploads";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { api } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";

// POST /uploads on the embedded host (bucket = folder): the URL is the host's own PUT
// /uploads/{token}, single-use and expiring, held to the size, type and metadata it was issued for.

const KEYS = [
  { key: "alice-key-0123456789abcdef", tenant: "acme", subject: "alice", groups: ["hr"], roles: ["writer"] },
  { key: "dave-key-0123456789abcdef", tenant: "acme", subject: "dave", groups: ["hr"], roles: ["writer"] },
];
const as = (who: "alice" | "dave") => ({ "x-api-key": `${who}-key-0123456789abcdef` });
// Not valid UTF-8 as text: the bytes must arrive as sent, whatever the content type says.
const BYTES = Buffer.concat([Buffer.from("# Leave\n\nSixteen weeks of paid parental leave. Caf"), Buffer.from([0xe9]), Buffer.from(".\n")]);

describe("upload URL on the embedded host (in-process host, auth required)", () => {
  const t = tempDir();
  let ctx: Context;
  let host: Host;
  const ticket = async (key: string, extra: Record<string, unknown> = {}, who: "alice" | "dave" = "alice") =>
    api(host.url, "POST", "/uploads", { key, contentType: "text/plain; charset=latin1", size: BYTES.length, metadata: { acl: ["hr"] }, ...extra }, as(who));
  const put = (url: string, headers: Record<string, string>, body: Uint8Array = BYTES) => fetch(url, { method: "PUT", headers, body: new Uint8Array(body) });

  beforeAll(async () => {
    ctx = createEmbeddedContext(
      loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_AUTH: "required", RAGLINE_API_KEYS: JSON.stringify(KEYS), RAGLINE_MAX_OBJECT_BYTES: "4096" }),
    );
    host = await startHost({ ctx, port: 0 });
  });
  afterAll(async () => {
    await host?.close();
    t.cleanup();
  });

  it("issues a URL on the host for one PUT, stores the bytes as sent with the server's metadata, and ingests them", async () => {
    const r = await ticket("hr/leave.txt");
    expect(r.status).toBe(200);
    expect(r.body.url).toMatch(new RegExp(`^${host.url}/uploads/[\\w-]{43}$`));
    expect(r.body.headers).toEqual({
      "content-type": "text/plain; charset=latin1",
      "x-amz-meta-acl": '["hr"]',
      "x-amz-meta-tenant": "acme",
      "x-amz-meta-owner": "alice",
    });
    expect(Date.parse(r.body.expiresAt) - Date.now()).toBeGreaterThan((UPLOAD_URL_SECONDS - 60) * 1000);
    const done = await put(r.body.url, r.body.headers); // no API key: the URL is the credential
    expect(done.status).toBe(202);
    expect(await done.json()).toMatchObject({ key: "hr/leave.txt", status: "pending", size: BYTES.length });
    const stored = await ctx.objects.get("hr/leave.txt");
    expect(stored!.body.equals(BYTES)).toBe(true);
    expect(stored!.info.metadata).toEqual({ acl: '["hr"]', tenant: "acme", owner: "alice" });
    await waitFor(async () => (await ctx.catalog.get("hr/leave.txt"))?.status === "indexed", "uploaded document indexed", 60_000); // a loaded 2-core machine
    // Used once.
    expect((await put(r.body.url, r.body.headers)).status).toBe(403);
  }, 90_000);

  it("refuses a PUT whose type, metadata or size differ from the URL's, and the URL is spent by the attempt", async () => {
    const cases: [string, (h: Record<string, string>) => Record<string, string>, Uint8Array | undefined, number][] = [
      ["content-type", (h) => ({ ...h, "content-type": "text/html" }), undefined, 403],
      ["tenant", (h) => ({ ...h, "x-amz-meta-tenant": "evil" }), undefined, 403],
      ["acl dropped", ({ "x-amz-meta-acl": _acl, ...h }) => h, undefined, 403],
      ["metadata added", (h) => ({ ...h, "x-amz-meta-title": "Other" }), undefined, 403],
      ["size", (h) => h, Buffer.concat([BYTES, Buffer.from("!")]), 400],
    ];
    for (const [what, change, body, status] of cases) {
      const key = `hr/refused-${what.replace(/\W/g, "-")}.txt`;
      const r = await ticket(key);
      const res = await put(r.body.url, change(r.body.headers), body);
      expect(res.status, what).toBe(status);
      expect(await ctx.objects.head(key), what).toBeUndefined();
      expect((await put(r.body.url, r.body.headers)).status, `${what}: spent`).toBe(403);
    }
  });

  it("an expired URL is refused; unknown tokens are refused", async () => {
    const r = await ticket("hr/late.txt");
    const token = new URL(r.body.url).pathname.split("/").pop()!;
    await expect(redeemHostUpload(ctx, token, BYTES, r.body.headers, Date.parse(r.body.expiresAt) + 1)).rejects.toMatchObject({
      status: 403,
      message: /expired/,
    });
    expect(await ctx.objects.head("hr/late.txt")).toBeUndefined();
    expect((await put(`${host.url}/uploads/${"x".repeat(43)}`, r.body.headers)).status).toBe(403);
    expect((await put(`${host.url}/uploads/short`, r.body.headers)).status).toBe(403);
  });

  it("grants never redeemed are swept once expired; live ones stay", async () => {
    const live = await ticket("hr/live.txt");
    const grants = async () => {
      const keys: string[] = [];
      for await (const o of ctx.objects.list(".uploads/")) keys.push(o.key);
      return keys;
    };
    const held = (await grants()).length;
    expect(held).toBeGreaterThan(0);
    expect(await sweepExpiredGrants(ctx, Date.now() + 5 * 60_000)).toBe(0); // all younger than 15 min
    expect(await sweepExpiredGrants(ctx, Date.now() + (UPLOAD_URL_SECONDS + 120) * 1000)).toBe(held);
    expect(await grants()).toEqual([]);
    expect((await put(live.body.url, live.body.headers)).status).toBe(403);
  });

  it("POST /uploads: tenant and owner are not settable, the size is bounded, the body is checked", async () => {
    expect((await ticket("hr/x.txt", { metadata: { tenant: "evil" } })).body.error).toMatchObject({
      code: "invalid_request",
      details: [{ field: "body.metadata.tenant" }],
    });
    expect((await ticket("hr/x.txt", { size: 4097 })).status).toBe(413);
    expect((await ticket("hr/.hidden/x.txt")).status).toBe(400);
    expect((await ticket("hr/x.txt", { contentType: "not a type" })).status).toBe(400);
    expect((await ticket("hr/x.txt", { size: 0 })).status).toBe(400);
    expect((await ticket("hr/x.txt", { unknown: 1 })).status).toBe(400);
  });

  it("a document that changed after the URL was issued is not overwritten with the old grant's metadata (409)", async () => {
    const r = await ticket("hr/changing.txt");
    // Someone else writes the key first: alice stays owner only if she was first; now dave is.
    expect(
      (await api(host.url, "PUT", "/documents/hr/changing.txt", Buffer.from("dave's"), { "content-type": "text/plain", "x-amz-meta-acl": "hr", ...as("dave") }))
        .status,
    ).toBe(202);
    expect((await put(r.body.url, r.body.headers)).status).toBe(409);
    expect((await ctx.objects.get("hr/changing.txt"))!.body.toString()).toBe("dave's");
  });
});
