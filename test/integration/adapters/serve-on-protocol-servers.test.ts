import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeS3Key } from "../../../events/s3";
import { corpusRows, DATASETS, hasDatasets } from "../../helpers/datasets";
import { api, followJob, startHostProcess, type HostProcess } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";
import { startDynamo, startS3Sqs } from "./servers";

// The function host in serve mode against S3 + SQS + DynamoDB protocol servers (fauxqs, dynalite,
// port 0), as on-prem with MinIO / ElasticMQ / a DynamoDB-compatible store; the search index stays
// embedded (no Elasticsearch here). Two replicas: one serves the API and WebSockets only, the other
// only polls the queues, so every job crosses processes through SQS and DynamoDB. Bucket
// notifications arrive as MinIO sends them, by webhook, since no local server emits them.

const SCIFACT_IDS = ["13734012", "5152028", "11705328", "4709641", "18174210", "5956380", "4414547", "31715818", "4983"];
const TOKEN = "webhook-secret-for-tests";

type Replica = HostProcess;

const serve = (role: "api" | "workers", dataDir: string, env: Record<string, string>): Promise<Replica> =>
  startHostProcess(dataDir, env, ["serve", "--role", role]);

/** The body MinIO POSTs to a webhook target for one object event. */
function minioEvent(kind: "created" | "removed", bucket: string, key: string, size = 0) {
  const eventName = kind === "created" ? "s3:ObjectCreated:Put" : "s3:ObjectRemoved:Delete";
  return {
    EventName: eventName, Key: `${bucket}/${key}`,
    Records: [{
      eventVersion: "2.0", eventSource: "minio:s3", awsRegion: "", eventTime: new Date().toISOString(), eventName,
      userIdentity: { principalId: "minioadmin" }, requestParameters: { sourceIPAddress: "127.0.0.1" }, responseElements: { "x-amz-request-id": "17A" },
      s3: {
        s3SchemaVersion: "1.0", configurationId: "Config", bucket: { name: bucket, ownerIdentity: { principalId: "minioadmin" }, arn: `arn:aws:s3:::${bucket}` },
        object: { key: encodeS3Key(key), size, eTag: "d41d8cd98f00b204e9800998ecf8427e", contentType: "application/octet-stream", userMetadata: {}, sequencer: "17A2B3C4D5E6F708" },
      },
      source: { host: "127.0.0.1", port: "", userAgent: "MinIO (linux; amd64) minio-go/v7" },
    }],
  };
}

describe.skipIf(!hasDatasets)("serve mode on S3 + SQS + DynamoDB servers: an API replica and a worker replica", () => {
  let s3sqs: Awaited<ReturnType<typeof startS3Sqs>>;
  let dynamo: Awaited<ReturnType<typeof startDynamo>>;
  let apiReplica: Replica;
  let workers: Replica;
  const t = tempDir();
  const notify = (kind: "created" | "removed", key: string, auth = `Bearer ${TOKEN}`) =>
    fetch(`${apiReplica.url}/_bucket/notifications`, { method: "POST", headers: { "content-type": "application/json", authorization: auth }, body: JSON.stringify(minioEvent(kind, "documents", key)) });

  beforeAll(async () => {
    [s3sqs, dynamo] = await Promise.all([startS3Sqs(), startDynamo()]);
    const env = {
      RAGLINE_OBJECT_STORE: "s3", RAGLINE_QUEUE: "sqs", RAGLINE_JOB_STORE: "dynamodb", RAGLINE_CATALOG: "dynamodb", RAGLINE_PROVISION: "true",
      RAGLINE_AWS_REGION: "us-east-1", RAGLINE_AWS_ACCESS_KEY_ID: "test", RAGLINE_AWS_SECRET_ACCESS_KEY: "test",
      RAGLINE_S3_ENDPOINT: s3sqs.endpoint, RAGLINE_S3_BUCKET: "documents", RAGLINE_SQS_ENDPOINT: s3sqs.endpoint, RAGLINE_SQS_QUEUE_PREFIX: "ragline-",
      RAGLINE_DYNAMODB_ENDPOINT: dynamo.endpoint, RAGLINE_BUCKET_WEBHOOK_TOKEN: TOKEN,
    };
    // Both replicas share the backends (and the data dir of the embedded search index).
    [apiReplica, workers] = await Promise.all([serve("api", t.dir, env), serve("workers", t.dir, env)]);

    const docs: [string, Buffer, Record<string, string>][] = [
      ["reports/2022_Q3_AAPL.pdf", readFileSync(join(DATASETS, "docugami_sec10q/docs/2022_Q3_AAPL.pdf")), { "content-type": "application/pdf", "x-amz-meta-department": "finance" }],
      ...corpusRows("scifact", SCIFACT_IDS).map((r): [string, Buffer, Record<string, string>] => [`scifact/${r.id} abstract.txt`, Buffer.from(`${r.title}\n\n${r.text}`), { "content-type": "text/plain" }]),
    ];
    for (const [key, body, headers] of docs) {
      const put = await api(apiReplica.url, "PUT", `/documents/${encodeURIComponent(key)}`, body, headers);
      expect(put.status).toBe(202);
      expect((await notify("created", key)).status).toBe(200);
    }
    await waitFor(async () => (await api(apiReplica.url, "GET", "/documents")).body.counts.indexed === docs.length, "all documents indexed", 90_000, 250)
      .catch((e) => { throw new Error(`${e}\napi: ${apiReplica.output()}\nworkers: ${workers.output()}`); });
  }, 150_000);

  afterAll(async () => {
    await Promise.all([apiReplica?.stop(), workers?.stop()]);
    await s3sqs?.stop();
    await dynamo?.stop();
    t.cleanup();
  });

  it("indexed the objects from S3, with object metadata on the chunks, and reports its backends", async () => {
    const doc = await api(apiReplica.url, "GET", `/documents/${encodeURIComponent("reports/2022_Q3_AAPL.pdf")}`);
    expect(doc.body).toMatchObject({ status: "indexed", metadata: { department: "finance" } });
    expect(doc.body.chunks).toBeGreaterThan(10);
    const health = await api(apiReplica.url, "GET", "/health");
    expect(health.body.backends).toMatchObject({ objects: "s3://documents", queue: "sqs", jobs: "dynamodb-job-store" });
  });

  it("answers a query job run by the worker replica, followed over the API replica's WebSocket, in order and without gaps", async () => {
    const submit = await api(apiReplica.url, "POST", "/queries", { question: "What were Apple's total net sales for the three months ended June 25, 2022?" });
    expect(submit.status).toBe(202);
    const frames = await followJob(apiReplica.url.replace(/^http/, "ws") + "/ws", submit.body.jobId, 0, 30_000);
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1));
    expect(frames.at(-1)!.type).toBe("done");
    const job = await api(apiReplica.url, "GET", `/queries/${submit.body.jobId}`);
    expect(job.body.status).toBe("completed");
    expect(job.body.citations.map((c: { documentKey: string }) => c.documentKey)).toContain("reports/2022_Q3_AAPL.pdf");
    // A reconnect from afterSeq=k gets exactly the rest.
    const k = Math.floor(frames.length / 2);
    expect((await followJob(apiReplica.url.replace(/^http/, "ws") + "/ws", submit.body.jobId, k)).map((f) => f.seq)).toEqual(frames.slice(k).map((f) => f.seq));
  });

  it("refuses a webhook call without MinIO's token, and ignores records of other buckets", async () => {
    expect((await notify("created", "x.txt", "Bearer wrong")).status).toBe(401);
    const other = await fetch(`${apiReplica.url}/_bucket/notifications`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(minioEvent("created", "elsewhere", "x.txt")) });
    expect(await other.json()).toMatchObject({ status: 200, queued: 0 });
  });

  it("a removal notification takes the document out of the index and the catalog", async () => {
    const key = `scifact/${SCIFACT_IDS[0]} abstract.txt`;
    expect((await api(apiReplica.url, "DELETE", `/documents/${encodeURIComponent(key)}`)).status).toBe(202);
    expect((await notify("removed", key)).status).toBe(200);
    await waitFor(async () => (await api(apiReplica.url, "GET", `/documents/${encodeURIComponent(key)}`)).status === 404, "the document removed", 30_000, 200);
  });
});
