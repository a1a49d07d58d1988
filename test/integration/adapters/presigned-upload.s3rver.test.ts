import { afterAll, beforeAll, describe, expect, it } from "vitest";
import S3rver from "s3rver";
import { PutBucketCorsCommand, S3Client } from "@aws-sdk/client-s3";
import { chromium } from "playwright-core";
import { bucketArgs } from "../../../stacks/storage";
import { encodeS3Key } from "../../../events/s3";
import { startHost, type Host } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createRemoteContext, type RemoteContext } from "../../../shared/runtime/remote-context";
import { CONTENT_INLINE_MAX_BYTES } from "../../../shared/ingest/document-content";
import { requestUpload } from "../../../shared/ingest/uploads";
import { QUEUES } from "../../../shared/topology";
import { api } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";
import { checkPresigned, startSigV4Front } from "./sigv4-presigned-check";

// POST /uploads where the bucket is S3: the host (auth required) on a real S3-protocol server,
// s3rver 3.7. s3rver does not check V4 signatures, so a front written from AWS's published SigV4
// algorithm checks the presigned requests before they reach it (./sigv4-presigned-check.ts); the
// stored object and the ingestion that follows are s3rver's and the pipeline's own. Other ports
// embedded; s3rver's in-process bucket events are put on the ingest queue as S3 → SQS would.

const KEYS = [
  { key: "alice-key-0123456789abcdef", tenant: "acme", subject: "alice", groups: ["hr"], roles: ["writer"] },
  { key: "carol-key-0123456789abcdef", tenant: "acme", subject: "carol", groups: ["hr"], roles: ["reader"] },
  { key: "bob-key-0123456789abcdef", tenant: "acme", subject: "bob", groups: ["eng"], roles: ["reader"] },
];
const as = (who: "alice" | "carol" | "bob") => ({ "x-api-key": `${who}-key-0123456789abcdef` });
const TEXT = Buffer.from("# Parental leave\n\nEmployees get sixteen weeks of paid parental leave, at full pay.\n");

describe("presigned upload on s3rver 3.7 behind a SigV4 check written from AWS's specification", () => {
  const t = tempDir();
  let s3rver: S3rver;
  let s3rverUrl: string;
  let front: Awaited<ReturnType<typeof startSigV4Front>>;
  let ctx: RemoteContext;
  let host: Host;
  const ticket = async (key: string) => {
    const r = await api(
      host.url,
      "POST",
      "/uploads",
      { key, contentType: "text/markdown", size: TEXT.length, metadata: { acl: ["hr"], department: "People" } },
      as("alice"),
    );
    expect(r.status).toBe(200);
    return r.body as { url: string; method: string; headers: Record<string, string>; expiresAt: string };
  };
  const put = (url: string, headers: Record<string, string>, body: Uint8Array = TEXT) => fetch(url, { method: "PUT", headers, body: new Uint8Array(body) });

  beforeAll(async () => {
    s3rver = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: `${t.dir}/s3rver`, configureBuckets: [{ name: "documents" }] });
    const addr = await s3rver.run();
    s3rverUrl = `http://127.0.0.1:${addr.port}`;
    front = await startSigV4Front(s3rverUrl, (id) => (id === "S3RVER" ? "S3RVER" : undefined));
    ctx = createRemoteContext(
      loadConfig({
        RAGLINE_DATA_DIR: `${t.dir}/data`,
        RAGLINE_OBJECT_STORE: "s3",
        RAGLINE_S3_ENDPOINT: front.endpoint,
        RAGLINE_S3_BUCKET: "documents",
        RAGLINE_AWS_REGION: "us-east-1",
        RAGLINE_AWS_ACCESS_KEY_ID: "S3RVER",
        RAGLINE_AWS_SECRET_ACCESS_KEY: "S3RVER",
        RAGLINE_AUTH: "required",
        RAGLINE_API_KEYS: JSON.stringify(KEYS),
        RAGLINE_UPLOAD_URLS: "presigned",
      }),
    );
    await ctx.ready;
    s3rver.on("event", (e) => {
      // s3rver leaves keys unencoded in its events; S3 URL-encodes them.
      for (const r of e.Records)
        void ctx.queue.send(
          QUEUES.ingestEvents,
          JSON.stringify({ Records: [{ ...r, s3: { ...r.s3, object: { ...r.s3.object, key: encodeS3Key(r.s3.object.key) } } }] }),
        );
    });
    host = await startHost({ ctx, port: 0 });
  });
  afterAll(async () => {
    await host?.close();
    await ctx?.close();
    await front?.close();
    await s3rver?.close();
    t.cleanup();
  });

  it("answers with a URL to the bucket whose signature covers size, type and the server-set metadata", async () => {
    const tk = await ticket("hr/leave.md");
    const url = new URL(tk.url);
    expect(url.origin).toBe(front.endpoint);
    expect(url.pathname).toBe("/documents/hr/leave.md");
    expect(tk.method).toBe("PUT");
    expect(url.searchParams.get("X-Amz-SignedHeaders")!.split(";")).toEqual([
      "content-length",
      "content-type",
      "host",
      "x-amz-meta-acl",
      "x-amz-meta-department",
      "x-amz-meta-owner",
      "x-amz-meta-tenant",
    ]);
    expect(tk.headers).toEqual({
      "content-type": "text/markdown",
      "x-amz-meta-acl": '["hr"]',
      "x-amz-meta-department": "People",
      "x-amz-meta-tenant": "acme",
      "x-amz-meta-owner": "alice",
    });
    // Valid now, refused once X-Amz-Expires (900 s) has passed.
    const req = { method: "PUT", url: url.pathname + url.search, headers: { host: url.host, "content-length": String(TEXT.length), ...tk.headers } };
    expect(checkPresigned(req, () => "S3RVER")).toEqual({ ok: true });
    expect(checkPresigned(req, () => "S3RVER", Date.parse(tk.expiresAt) + 1000)).toMatchObject({ ok: false, message: "Request has expired" });
  });

  it("a PUT that changes the type, the size or any metadata header is refused, and nothing is stored", async () => {
    const tk = await ticket("hr/tampered.md");
    const tampered: [string, Record<string, string>, Uint8Array?][] = [
      ["content-type", { ...tk.headers, "content-type": "text/html" }],
      ["tenant", { ...tk.headers, "x-amz-meta-tenant": "evil" }],
      ["acl opened", { ...tk.headers, "x-amz-meta-acl": "[]" }],
      ["acl dropped", Object.fromEntries(Object.entries(tk.headers).filter(([k]) => k !== "x-amz-meta-acl"))],
      ["metadata added", { ...tk.headers, "x-amz-meta-title": "Something else" }],
      ["size", tk.headers, Buffer.concat([TEXT, Buffer.from("and more")])],
    ];
    for (const [what, headers, body] of tampered) {
      const r = await put(tk.url, headers, body);
      expect(r.status, what).toBe(403);
      expect(await r.text(), what).toMatch(/<Code>(SignatureDoesNotMatch|AccessDenied)<\/Code>/);
    }
    expect(front.refused).toHaveLength(tampered.length);
    expect(await ctx.objects.head("hr/tampered.md")).toBeUndefined();
  });

  it("s3rver by itself stores a tampered presigned PUT (it does not check V4 signatures): the refusals above are the check's", async () => {
    const tk = await ticket("hr/s3rver-alone.md");
    const direct = new URL(tk.url);
    const r = await put(`${s3rverUrl}${direct.pathname}${direct.search}`, { ...tk.headers, "x-amz-meta-tenant": "evil" });
    expect(r.status).toBe(200);
    expect((await ctx.objects.head("hr/s3rver-alone.md"))?.metadata?.tenant).toBe("evil");
    await ctx.objects.delete("hr/s3rver-alone.md");
  });

  it("the PUT as issued is stored with the server's metadata and ingested; the ACL holds for readers", async () => {
    const tk = await ticket("hr/leave.md");
    expect((await put(tk.url, tk.headers)).status).toBe(200);
    const head = await ctx.objects.head("hr/leave.md");
    expect(head).toMatchObject({
      size: TEXT.length,
      contentType: "text/markdown",
      metadata: { tenant: "acme", owner: "alice", acl: '["hr"]', department: "People" },
    });
    await waitFor(async () => (await ctx.catalog.get("hr/leave.md"))?.status === "indexed", "presigned upload indexed", 60_000); // a loaded 2-core machine
    expect((await api(host.url, "GET", "/documents/hr/leave.md", undefined, as("carol"))).body).toMatchObject({
      status: "indexed",
      metadata: { tenant: "acme", acl: ["hr"] },
    });
    expect((await api(host.url, "GET", "/documents/hr/leave.md", undefined, as("bob"))).status).toBe(404);
  }, 90_000);

  it("off Lambda (auto) the URL is the host's own: the bytes stream through the API into the S3 bucket, no S3 endpoint exposed", async () => {
    const hostMode = { ...ctx, config: { ...ctx.config, RAGLINE_UPLOAD_URLS: "auto" as const } };
    const tk = await requestUpload(
      hostMode,
      { tenant: "acme", subject: "alice", groups: ["hr"], roles: ["writer"] },
      { key: "hr/via-host.md", contentType: "text/markdown", size: TEXT.length, metadata: { acl: ["hr"] } },
      host.url,
    );
    expect(tk.url).toMatch(new RegExp(`^${host.url}/uploads/[\\w-]{43}$`));
    const before = front.refused.length;
    expect((await put(tk.url, tk.headers)).status).toBe(202);
    expect(await ctx.objects.head("hr/via-host.md")).toMatchObject({ size: TEXT.length, metadata: { tenant: "acme", owner: "alice", acl: '["hr"]' } });
    expect(front.refused).toHaveLength(before);
    expect((await put(tk.url, tk.headers)).status).toBe(403); // single use here too
    // On Lambda, auto presigns (a Lambda request stops at 6 MB).
    process.env.AWS_LAMBDA_FUNCTION_NAME = "http-uploads";
    try {
      const onLambda = await requestUpload(
        hostMode,
        { tenant: "acme", subject: "alice", groups: ["hr"], roles: ["writer"] },
        { key: "hr/via-host.md", contentType: "text/markdown", size: TEXT.length },
        host.url,
      );
      expect(new URL(onLambda.url).origin).toBe(front.endpoint);
    } finally {
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    }
  });

  it("GET ?content of an object too large for a Lambda response: 303 to a presigned GET of the bucket, valid a minute, whose bytes a reader's client fetches; 404 and no URL for a caller the ACL does not admit", async () => {
    const key = "hr/handbook.txt";
    const big = Buffer.from("Sixteen weeks of paid parental leave. ".repeat(Math.ceil((CONTENT_INLINE_MAX_BYTES + 4096) / 38)));
    await ctx.objects.put(key, big, { contentType: "text/plain", metadata: { tenant: "acme", owner: "alice", acl: JSON.stringify(["hr"]) } });
    await ctx.catalog.put(key, { status: "indexed", metadata: { tenant: "acme", owner: "alice", acl: ["hr"] } });
    const content = (who: "carol" | "bob") => fetch(`${host.url}/documents/${key}?content`, { headers: as(who), redirect: "manual" });
    const r = await content("carol");
    expect(r.status).toBe(303);
    const body = (await r.json()) as { url: string; expiresAt: string; size: number };
    const url = new URL(r.headers.get("location")!);
    expect(body).toMatchObject({ url: url.href, size: big.length });
    expect(url.origin).toBe(front.endpoint);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("60");
    expect(url.searchParams.get("response-content-disposition")).toBe("attachment; filename=\"handbook.txt\"; filename*=UTF-8''handbook.txt");
    const before = front.refused.length;
    const got = await fetch(url); // past the SigV4 check, from s3rver
    expect(got.status).toBe(200);
    // The bucket answers with the headers the API would have sent (S3's response-* overrides, here s3rver's).
    expect(got.headers.get("content-type")).toBe("text/plain");
    expect(got.headers.get("content-disposition")).toMatch(/^attachment; filename="handbook.txt"/);
    expect(got.headers.get("cache-control")).toBe("private, no-store");
    expect(Buffer.from(await got.arrayBuffer()).equals(big)).toBe(true);
    expect(front.refused).toHaveLength(before);
    // The overrides are signed: a URL asking for another type is refused; so is the URL past its minute.
    const sniffable = new URL(url);
    sniffable.searchParams.set("response-content-type", "text/html");
    expect((await fetch(sniffable)).status).toBe(403);
    const req = { method: "GET", url: url.pathname + url.search, headers: { host: url.host } };
    expect(checkPresigned(req, () => "S3RVER", Date.parse(body.expiresAt) + 1000)).toMatchObject({ ok: false, message: "Request has expired" });
    // Bob is not in hr: as if the document were absent, and no URL.
    const bob = await content("bob");
    expect(bob.status).toBe(404);
    expect(bob.headers.get("location")).toBeNull();
    // A small document is still answered with its bytes.
    const small = await fetch(`${host.url}/documents/hr/leave.md?content`, { headers: as("carol"), redirect: "manual" });
    expect(small.status).toBe(200);
  });

  it("in Chromium, a page of the API's origin fetching a large document's ?content with its key follows the 303 to the bucket (a CORS preflight, the stack's own bucket CORS) and gets the bytes", async () => {
    // The bucket's CORS as the stack writes it (stacks/storage.ts), naming this page's origin as the console's.
    const { cors } = bucketArgs(host.url as never);
    const s3 = new S3Client({
      endpoint: s3rverUrl,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: "documents",
        CORSConfiguration: {
          CORSRules: [
            { AllowedOrigins: [host.url], AllowedMethods: cors.allowMethods, AllowedHeaders: cors.allowHeaders, MaxAgeSeconds: parseInt(cors.maxAge) },
          ],
        },
      }),
    );
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu"],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${host.url}/health`);
      const got = await page.evaluate(async (key) => {
        const r = await fetch("/documents/hr/handbook.txt?content", { headers: { "x-api-key": key } });
        return { status: r.status, url: r.url, size: (await r.arrayBuffer()).byteLength };
      }, as("carol")["x-api-key"]);
      expect(got).toMatchObject({ status: 200, size: (await ctx.objects.head("hr/handbook.txt"))!.size });
      expect(new URL(got.url).origin).toBe(front.endpoint);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it("the same URL cannot write someone else's document: POST /uploads refuses a key the caller may not write", async () => {
    const r = await api(host.url, "POST", "/uploads", { key: "hr/leave.md", contentType: "text/markdown", size: 5, metadata: { acl: [] } }, as("carol"));
    expect(r.status).toBe(403);
  });
});
