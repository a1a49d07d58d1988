import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../../shared/adapters/aws/s3-object-store";
import { staleDocuments } from "../../../shared/ingest/freshness";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { tempDir } from "../../helpers/tmp";
import { startS3Sqs } from "./servers";

// The staleness report (GET /documents?stale=true) over 5,000 objects in a real S3 API server
// (fauxqs on loopback) and 5,000 catalog records (embedded SQLite catalog). Every S3 request is
// counted by name in the SDK's middleware stack. It used to HEAD each object one after another:
// 5,000 round trips, minutes against S3 and past API Gateway's 30 s.

const N = 5000;
let env: Awaited<ReturnType<typeof startS3Sqs>>;
const t = tempDir();
const ctx: Context = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir }));
const calls: Record<string, number> = {};

beforeAll(async () => {
  env = await startS3Sqs();
  await env.s3.send(new CreateBucketCommand({ Bucket: "docs" }));
  const store = new S3ObjectStore({ bucket: "docs", client: env.s3 });
  const keys = Array.from({ length: N }, (_, i) => `dept${i % 7}/doc-${String(i).padStart(5, "0")}.txt`);
  const etags = new Map<string, string | undefined>();
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(keys.slice(i, i + 50).map(async (k) => etags.set(k, (await store.put(k, Buffer.from(`text of ${k}`))).etag)));
  }
  for (const [n, key] of keys.entries()) {
    // 5 changed since indexing, 3 whose object is gone (catalog only), 2 never indexed (bucket only).
    if (n >= N - 2) continue;
    const sourceEtag = n < 5 ? "an-older-etag" : etags.get(key);
    await ctx.catalog.put(n >= N - 5 ? `gone/${key}` : key, {
      status: "indexed",
      version: "v1",
      indexedVersion: "v1",
      chunks: 1,
      sourceEtag,
      embeddingModel: ctx.embedder.model,
    });
  }
  ctx.objects = store;
  env.s3.middlewareStack.add(
    (next, context) => (args) => {
      calls[context.commandName!] = (calls[context.commandName!] ?? 0) + 1;
      return next(args);
    },
    { step: "initialize", name: "countCommands" },
  );
}, 300_000);
afterAll(async () => {
  await ctx.close();
  await env?.stop();
  t.cleanup();
});

describe("staleness report at 5,000 objects (fauxqs S3, SQLite catalog)", () => {
  it("lists the bucket in 5 pages instead of 5,000 HEADs, finds changed, gone and never-indexed documents, within API Gateway's 30 s", async () => {
    const t0 = performance.now();
    const stale = await staleDocuments(ctx);
    const ms = Math.round(performance.now() - t0);
    console.log(`stale report over ${N} objects: ${ms} ms, S3 requests ${JSON.stringify(calls)}`);
    expect(calls).toEqual({ ListObjectsV2Command: 5 });
    const by = (reason: RegExp) => stale.filter((s) => s.reasons.some((r) => reason.test(r))).length;
    expect(by(/source changed/)).toBe(5);
    expect(by(/no longer exists/)).toBe(3);
    expect(stale.filter((s) => s.status === "missing")).toHaveLength(5); // 2 never indexed + the 3 whose records sit under gone/
    expect(stale).toHaveLength(13);
    expect(ms).toBeLessThan(30_000);
    // For comparison, the old way's cost: 200 sequential HEADs, extrapolated to 5,000 (loopback, no network).
    const h0 = performance.now();
    for (let i = 0; i < 200; i++) await ctx.objects.head(`dept${i % 7}/doc-${String(i).padStart(5, "0")}.txt`);
    console.log(`one HEAD per object, sequentially: ~${Math.round(((performance.now() - h0) / 200) * N)} ms for ${N} on loopback`);
  }, 60_000);
});
