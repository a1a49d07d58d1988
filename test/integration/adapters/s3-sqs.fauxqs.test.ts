import { randomBytes } from "node:crypto";
import { CreateBucketCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../../shared/adapters/aws/s3-object-store";
import { SqsQueue } from "../../../shared/adapters/aws/sqs-queue";
import { dlqName } from "../../../shared/ports/queue";
import { objectStoreContract } from "./contract/object-store.contract";
import { queueContract } from "./contract/queue.contract";
import { startS3Sqs } from "./servers";

// S3 and SQS adapters against fauxqs, a real S3 + SQS protocol server on loopback (port 0),
// through the AWS SDK v3 with a custom endpoint and path-style URLs, as for MinIO and ElasticMQ.

let env: Awaited<ReturnType<typeof startS3Sqs>>;
beforeAll(async () => {
  env = await startS3Sqs();
  await env.s3.send(new CreateBucketCommand({ Bucket: "contract" }));
});
afterAll(async () => {
  await env?.stop();
});

objectStoreContract("S3 API (fauxqs)", () => ({ objects: new S3ObjectStore({ bucket: "contract", client: env.s3 }) }));

queueContract("SQS API (fauxqs), redrive by the queue's RedrivePolicy", () => {
  const queue = new SqsQueue({ client: env.sqs });
  return {
    queue,
    create: (name, opts) => queue.ensureQueues([{ name, maxReceives: opts?.maxReceives }]),
    drain: (name) => drain(queue, name),
  };
});

async function drain(queue: SqsQueue, name: string): Promise<string[]> {
  const got = await queue.receive(name, { maxMessages: 10, visibilityTimeoutSeconds: 30 });
  return got.map((m) => m.body);
}

describe("S3ObjectStore specifics (fauxqs)", () => {
  it("carries non-ASCII metadata as RFC 2047 words on the wire and returns it decoded", async () => {
    const objects = new S3ObjectStore({ bucket: "contract", client: env.s3 });
    await objects.put("meta/ü.txt", Buffer.from("x"), { metadata: { Department: "Recherche & Développement", acl: "研究" } });
    const raw = await env.s3.send(new HeadObjectCommand({ Bucket: "contract", Key: "meta/ü.txt" }));
    expect(raw.Metadata?.department).toMatch(/^=\?UTF-8\?B\?/);
    expect((await objects.head("meta/ü.txt"))?.metadata).toEqual({ department: "Recherche & Développement", acl: "研究" });
  });

  it("streams a large object (8 MiB) without buffering it, and reads byte ranges", async () => {
    const objects = new S3ObjectStore({ bucket: "contract", client: env.s3 });
    const body = randomBytes(8 * 1024 * 1024);
    await objects.put("big.bin", body);
    const s = await objects.stream("big.bin");
    let bytes = 0;
    let chunks = 0;
    for await (const c of s!.body as AsyncIterable<Buffer>) {
      bytes += c.length;
      chunks++;
    }
    expect(bytes).toBe(body.length);
    expect(chunks).toBeGreaterThan(1);
    const range = await objects.stream("big.bin", { start: 100, end: 199 });
    const part: Buffer[] = [];
    for await (const c of range!.body as AsyncIterable<Buffer>) part.push(c);
    expect(Buffer.concat(part).equals(body.subarray(100, 200))).toBe(true);
    expect((await objects.get("big.bin"))!.body.equals(body)).toBe(true);
  });
});

describe("SqsQueue specifics (fauxqs)", () => {
  it("ensureQueues creates the queue and its DLQ with a RedrivePolicy naming it", async () => {
    const queue = new SqsQueue({ client: env.sqs, prefix: "ragline-test-" });
    await queue.ensureQueues([{ name: "embed", visibilityTimeoutSeconds: 180, maxReceives: 5 }]);
    await queue.ensureQueues([{ name: "embed", visibilityTimeoutSeconds: 180, maxReceives: 5 }]); // idempotent
    const attrs = (await env.sqs.send(new GetQueueAttributesCommand({ QueueUrl: await queue.url("embed"), AttributeNames: ["All"] }))).Attributes!;
    expect(JSON.parse(attrs.RedrivePolicy!)).toEqual({ deadLetterTargetArn: expect.stringMatching(/:ragline-test-embed-dlq$/), maxReceiveCount: 5 });
    expect(attrs.VisibilityTimeout).toBe("180");
    expect(await queue.url(dlqName("embed"))).toMatch(/ragline-test-embed-dlq$/);
  });

  it("a queue without a RedrivePolicy is redriven by the adapter after maxReceives", async () => {
    const queue = new SqsQueue({ client: env.sqs });
    await env.sqs.send(new CreateQueueCommand({ QueueName: "plain" }));
    await env.sqs.send(new CreateQueueCommand({ QueueName: "plain-dlq" }));
    await queue.send("plain", "poison");
    for (let i = 0; i < 3; i++) expect(await queue.receive("plain", { maxMessages: 1, visibilityTimeoutSeconds: 0, maxReceives: 3 })).toHaveLength(1);
    expect(await queue.receive("plain", { maxMessages: 1, visibilityTimeoutSeconds: 0, maxReceives: 3 })).toHaveLength(0);
    const dlq = await env.sqs.send(new ReceiveMessageCommand({ QueueUrl: await queue.url("plain-dlq"), MaxNumberOfMessages: 10 }));
    expect(dlq.Messages?.map((m) => m.Body)).toEqual(["poison"]);
  });

  it("splits sendBatch by SQS's 256 KiB batch limit and refuses a single message over it", async () => {
    const queue = new SqsQueue({ client: env.sqs });
    await queue.ensureQueues([{ name: "bulky" }]);
    const big = "x".repeat(100 * 1024);
    const ids = await queue.sendBatch("bulky", [big, big, big, "small"]);
    expect(ids.filter(Boolean)).toHaveLength(4);
    await expect(queue.sendBatch("bulky", ["y".repeat(257 * 1024)])).rejects.toThrow(/at most 262144/);
  });

  it("resolves topology names through explicit URLs (SST links) before any lookup", async () => {
    const made = await env.sqs.send(new CreateQueueCommand({ QueueName: "app-stage-QueueEmbed-abc123" }));
    const queue = new SqsQueue({ client: env.sqs, urls: { embed: made.QueueUrl! } });
    await queue.send("embed", "via link");
    expect((await queue.receive("embed", { maxMessages: 1, visibilityTimeoutSeconds: 5 }))[0].body).toBe("via link");
  });
});
