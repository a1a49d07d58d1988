import { readFileSync } from "node:fs";
import { join } from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeS3Key } from "../../../events/s3";
import { corpusRows, DATASETS, hasDatasets } from "../../helpers/datasets";
import { api, followJob, startHostProcess, type HostProcess } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";
import { startDynamo, startS3Sqs } from "./servers";

// The function host in serve mode against S3 + SQS + DynamoDB protocol servers (s3rver 3.7, fauxqs,
// dynalite, port 0), as on-prem with MinIO / ElasticMQ / a DynamoDB-compatible store; the search index
// stays embedded (no Elasticsearch here). Two replicas: one serves the API and WebSockets only, the
// other only polls the queues, so every job crosses processes through SQS and DynamoDB. The bucket
// notifications are s3rver's own events for the writes the API made, POSTed to the API replica's
// webhook as MinIO's webhook target would (s3rver emits them in-process and leaves keys unencoded,
// so the relay URL-encodes them as S3 and MinIO do); no notification payload is written by hand.

const SCIFACT_IDS = ["13734012", "5152028", "11705328", "4709641", "18174210", "5956380", "4414547", "31715818", "4983"];
const TOKEN = "webhook-secret-for-tests";

type Replica = HostProcess;
type S3Event = Parameters<Parameters<S3rver["on"]>[1]>[0];

const serve = (role: "api" | "workers", dataDir: string, env: Record<string, string>): Promise<Replica> =>
  startHostProcess(dataDir, env, ["serve", "--role", role]);

/** s3rver's event with its keys URL-encoded, as S3 and MinIO send them. */
const encoded = (e: S3Event): S3Event => ({
  Records: e.Records.map((r) => ({ ...r, s3: { ...r.s3, object: { ...r.s3.object, key: encodeS3Key(r.s3.object.key) } } })),
});

describe.skipIf(!hasDatasets)("serve mode on S3 + SQS + DynamoDB servers: an API replica and a worker replica", () => {
  let s3rver: S3rver;
  let sqs: Awaited<ReturnType<typeof startS3Sqs>>;
  let dynamo: Awaited<ReturnType<typeof startDynamo>>;
  let apiReplica: Replica;
  let workers: Replica;
  const t = tempDir();
  const events: { eventName: string; key: string; status: number }[] = [];
  let lastEvent: S3Event | undefined;
  const webhook = (body: unknown, auth = `Bearer ${TOKEN}`) =>
    fetch(`${apiReplica.url}/_bucket/notifications`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: auth },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    s3rver = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: `${t.dir}/s3rver`, configureBuckets: [{ name: "documents" }] });
    const s3 = await s3rver.run();
    [sqs, dynamo] = await Promise.all([startS3Sqs(), startDynamo()]);
    s3rver.on("event", (e) => {
      lastEvent = e;
      void webhook(encoded(e)).then((r) => {
        for (const rec of e.Records) events.push({ eventName: rec.eventName, key: rec.s3.object.key, status: r.status });
      });
    });
    const env = {
      RAGLINE_OBJECT_STORE: "s3",
      RAGLINE_QUEUE: "sqs",
      RAGLINE_JOB_STORE: "dynamodb",
      RAGLINE_CATALOG: "dynamodb",
      RAGLINE_PROVISION: "true",
      RAGLINE_AWS_REGION: "us-east-1",
      RAGLINE_AWS_ACCESS_KEY_ID: "S3RVER",
      RAGLINE_AWS_SECRET_ACCESS_KEY: "S3RVER",
      RAGLINE_S3_ENDPOINT: `http://127.0.0.1:${s3.port}`,
      RAGLINE_S3_BUCKET: "documents",
      RAGLINE_SQS_ENDPOINT: sqs.endpoint,
      RAGLINE_SQS_QUEUE_PREFIX: "ragline-",
      RAGLINE_DYNAMODB_ENDPOINT: dynamo.endpoint,
      RAGLINE_BUCKET_WEBHOOK_TOKEN: TOKEN,
    };
    // Both replicas share the backends (and the data dir of the embedded search index).
    [apiReplica, workers] = await Promise.all([serve("api", t.dir, env), serve("workers", t.dir, env)]);

    const docs: [string, Buffer, Record<string, string>][] = [
      [
        "reports/2022_Q3_AAPL.pdf",
        readFileSync(join(DATASETS, "docugami_sec10q/docs/2022_Q3_AAPL.pdf")),
        { "content-type": "application/pdf", "x-amz-meta-department": "finance" },
      ],
      ...corpusRows("scifact", SCIFACT_IDS).map((r): [string, Buffer, Record<string, string>] => [
        `scifact/${r.id} abstract.txt`,
        Buffer.from(`${r.title}\n\n${r.text}`),
        { "content-type": "text/plain" },
      ]),
    ];
    for (const [key, body, headers] of docs) {
      const put = await api(apiReplica.url, "PUT", `/documents/${encodeURIComponent(key)}`, body, headers);
      expect(put.status).toBe(202);
    }
    await waitFor(async () => (await api(apiReplica.url, "GET", "/documents")).body.counts.indexed === docs.length, "all documents indexed", 90_000, 250).catch(
      (e) => {
        throw new Error(`${e}\napi: ${apiReplica.output()}\nworkers: ${workers.output()}`);
      },
    );
  }, 150_000);

  afterAll(async () => {
    await Promise.all([apiReplica?.stop(), workers?.stop()]);
    await s3rver?.close();
    await sqs?.stop();
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

  it("every write the API made reached the webhook as s3rver's own event and was queued", () => {
    expect(events.length).toBeGreaterThanOrEqual(SCIFACT_IDS.length + 1);
    expect(events.every((e) => e.status === 200 && /ObjectCreated/.test(e.eventName))).toBe(true);
    expect(events.map((e) => e.key)).toContain(`scifact/${SCIFACT_IDS[1]} abstract.txt`);
  });

  it("refuses s3rver's event without the webhook token, and ignores records of other buckets", async () => {
    expect((await webhook(encoded(lastEvent!), "Bearer wrong")).status).toBe(401);
    const elsewhere = { Records: lastEvent!.Records.map((r) => ({ ...r, s3: { ...r.s3, bucket: { ...r.s3.bucket, name: "elsewhere" } } })) };
    expect(await (await webhook(encoded(elsewhere))).json()).toMatchObject({ status: 200, queued: 0 });
  });

  it("a removal notification takes the document out of the index and the catalog", async () => {
    const key = `scifact/${SCIFACT_IDS[0]} abstract.txt`;
    expect((await api(apiReplica.url, "DELETE", `/documents/${encodeURIComponent(key)}`)).status).toBe(202);
    // s3rver's ObjectRemoved event does the rest.
    await waitFor(async () => (await api(apiReplica.url, "GET", `/documents/${encodeURIComponent(key)}`)).status === 404, "the document removed", 30_000, 200);
  });
});
