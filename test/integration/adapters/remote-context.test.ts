import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../shared/runtime/config";
import { LINKS, resolveBackends } from "../../../shared/runtime/config-backends";
import { createContext } from "../../../shared/runtime/context";
import type { RemoteContext } from "../../../shared/runtime/remote-context";
import { QUEUES, topology } from "../../../shared/topology";
import { tempDir } from "../../helpers/tmp";
import { startDynamo, startS3Sqs } from "./servers";

// One zod-validated configuration picks every port's adapter: presets, per-port overrides, SST
// links, and start-up errors that name the variable. Then a context on real S3/SQS/DynamoDB
// protocol servers (fauxqs, dynalite; port 0) provisions its resources and works through its ports.

describe("backend configuration", () => {
  const resolve = (env: Record<string, string>, links = {}) => resolveBackends(loadConfig(env), links, Object.values(QUEUES));

  it("embedded by default; presets for onprem and aws; one port overridden at a time", () => {
    expect(resolve({})).toMatchObject({ objects: "folder", queue: "sqlite", jobs: "sqlite", catalog: "sqlite", index: "sqlite", notifier: "local" });
    expect(resolve({ RAGLINE_BACKEND: "onprem", RAGLINE_S3_BUCKET: "docs", RAGLINE_ES_URL: "http://es:9200" })).toMatchObject({
      objects: "s3",
      queue: "sqs",
      jobs: "dynamodb",
      catalog: "dynamodb",
      index: "elasticsearch",
      notifier: "local",
    });
    expect(resolve({ RAGLINE_QUEUE: "sqs", RAGLINE_SQS_ENDPOINT: "http://mq:9324" })).toMatchObject({
      queue: "sqs",
      objects: "folder",
      sqs: { endpoint: "http://mq:9324" },
    });
    expect(resolve({ RAGLINE_S3_ENDPOINT: "http://minio:9000", RAGLINE_OBJECT_STORE: "s3", RAGLINE_S3_BUCKET: "b" }).s3.forcePathStyle).toBe(true);
  });

  it("stops with a message naming the variable a chosen adapter lacks", () => {
    expect(() => resolve({ RAGLINE_BACKEND: "onprem", RAGLINE_ES_URL: "http://es:9200" })).toThrow(/RAGLINE_S3_BUCKET: required when the object store is s3/);
    expect(() => resolve({ RAGLINE_SEARCH_INDEX: "elasticsearch" })).toThrow(ConfigError);
    expect(() => resolve({ RAGLINE_SEARCH_INDEX: "elasticsearch" })).toThrow(/RAGLINE_ES_URL/);
    expect(() => resolve({ RAGLINE_NOTIFIER: "apigateway" })).toThrow(/RAGLINE_WS_ENDPOINT/);
    expect(() => resolve({ RAGLINE_AWS_ACCESS_KEY_ID: "k" })).toThrow(/RAGLINE_AWS_SECRET_ACCESS_KEY/);
    expect(() => loadConfig({ RAGLINE_BACKEND: "cloud" })).toThrow(/RAGLINE_BACKEND/);
    expect(() => loadConfig({ RAGLINE_QUEUE: "kafka" })).toThrow(/RAGLINE_QUEUE/);
    expect(() => loadConfig({ RAGLINE_S3_ENDPOINT: "minio:9000" })).toThrow(/RAGLINE_S3_ENDPOINT/);
    expect(() => loadConfig({ RAGLINE_PROVISION: "yes" })).toThrow(/RAGLINE_PROVISION/);
    expect(() => createContext(loadConfig({ RAGLINE_BACKEND: "aws" }))).toThrow(/RAGLINE_S3_BUCKET/);
  });

  it("on Lambda, names and URLs come from SST links; explicit settings win", () => {
    const links = {
      [LINKS.bucket]: { name: "app-prod-documents-x" },
      [LINKS.jobsTable]: { name: "app-prod-jobs-y" },
      [LINKS.queue("query-jobs")]: { url: "https://sqs.eu-west-1.amazonaws.com/1/app-prod-QueueQueryJobs" },
      [LINKS.dlq("query-jobs")]: { url: "https://sqs.eu-west-1.amazonaws.com/1/app-prod-QueueQueryJobsDlq" },
      [LINKS.esUrl]: { value: "https://es.example:9243" },
      [LINKS.esApiKey]: { value: "secret" },
      [LINKS.realtime]: { managementEndpoint: "https://abc.execute-api.eu-west-1.amazonaws.com/$default" },
    };
    const r = resolve({ RAGLINE_BACKEND: "aws", RAGLINE_DYNAMODB_DOCUMENTS_TABLE: "explicit-docs" }, links);
    expect(r).toMatchObject({
      s3: { bucket: "app-prod-documents-x" },
      dynamodb: { jobsTable: "app-prod-jobs-y", documentsTable: "explicit-docs" },
      es: { url: "https://es.example:9243", apiKey: "secret" },
      ws: { endpoint: "https://abc.execute-api.eu-west-1.amazonaws.com/$default" },
    });
    expect(r.sqs.urls).toEqual({ "query-jobs": links[LINKS.queue("query-jobs")].url, "query-jobs-dlq": links[LINKS.dlq("query-jobs")].url });
  });
});

describe("remote context on S3 + SQS + DynamoDB servers (fauxqs, dynalite), provisioned at start", () => {
  let s3sqs: Awaited<ReturnType<typeof startS3Sqs>>;
  let dynamo: Awaited<ReturnType<typeof startDynamo>>;
  let ctx: RemoteContext;
  const t = tempDir();

  beforeAll(async () => {
    [s3sqs, dynamo] = await Promise.all([startS3Sqs(), startDynamo()]);
    ctx = createContext(
      loadConfig({
        RAGLINE_DATA_DIR: t.dir,
        RAGLINE_OBJECT_STORE: "s3",
        RAGLINE_QUEUE: "sqs",
        RAGLINE_JOB_STORE: "dynamodb",
        RAGLINE_CATALOG: "dynamodb",
        RAGLINE_PROVISION: "true",
        RAGLINE_AWS_REGION: "us-east-1",
        RAGLINE_AWS_ACCESS_KEY_ID: "test",
        RAGLINE_AWS_SECRET_ACCESS_KEY: "test",
        RAGLINE_S3_ENDPOINT: s3sqs.endpoint,
        RAGLINE_S3_BUCKET: "documents",
        RAGLINE_SQS_ENDPOINT: s3sqs.endpoint,
        RAGLINE_SQS_QUEUE_PREFIX: "ragline-",
        RAGLINE_DYNAMODB_ENDPOINT: dynamo.endpoint,
      }),
    ) as RemoteContext;
  });
  afterAll(async () => {
    await ctx?.close();
    await s3sqs?.stop();
    await dynamo?.stop();
    t.cleanup();
  });

  it("names its backends before they are loaded, and works through every port once provisioned", async () => {
    expect([ctx.objects.name, ctx.queue.name, ctx.jobs.name, ctx.catalog.name, ctx.index.name]).toEqual([
      "s3://documents",
      "sqs",
      "dynamodb-job-store",
      "dynamodb-document-catalog",
      "sqlite-fts5-vectors",
    ]);
    await ctx.objects.put("a.txt", Buffer.from("hello"), { metadata: { department: "hr" } });
    expect((await ctx.objects.get("a.txt"))?.info.metadata).toEqual({ department: "hr" });
    const keys: string[] = [];
    for await (const o of ctx.objects.list()) keys.push(o.key);
    expect(keys).toEqual(["a.txt"]);
    await ctx.queue.send(QUEUES.embed, "m");
    expect(await ctx.queue.depth(QUEUES.embed)).toEqual({ visible: 1, inFlight: 0 });
    await ctx.jobs.create("j", { question: "q" });
    expect((await ctx.jobs.appendEvent("j", "stage", {}))!.seq).toBe(1);
    await ctx.catalog.put("a.txt", { status: "pending" });
    expect(await ctx.catalog.counts()).toEqual({ pending: 1 });
    expect((await ctx.catalog.list()).map((r) => r.key)).toEqual(["a.txt"]);
    expect(typeof ctx.jobs.purgeFinished).toBe("function"); // an endpoint = a DynamoDB-compatible server: scan purge offered
    expect((ctx.notifier as unknown as { attach?: unknown }).attach).toBeTypeOf("function"); // the host's WebSockets
  });

  it("created every topology queue with its DLQ (prefixed), redriving after the trigger's maxReceives", async () => {
    const { GetQueueAttributesCommand } = await import("@aws-sdk/client-sqs");
    const url = await (ctx.queue as unknown as { url(q: string): Promise<string> }).url(QUEUES.queryJobs);
    expect(url).toMatch(/ragline-query-jobs$/);
    const attrs = (await s3sqs.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["RedrivePolicy"] }))).Attributes!;
    const trigger = topology.functions["query-run"].trigger as { maxReceives: number };
    expect(JSON.parse(attrs.RedrivePolicy!)).toMatchObject({
      maxReceiveCount: trigger.maxReceives,
      deadLetterTargetArn: expect.stringMatching(/ragline-query-jobs-dlq$/),
    });
  });
});
