import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeVector, type IndexMessage } from "../../../events/messages";
import { SqsQueue } from "../../../shared/adapters/aws/sqs-queue";
import { sizedBodies } from "../../../shared/ingest/embed-and-index";
import { startS3Sqs } from "./servers";

// A 3072-dimension embedder makes one embed→index message ~300 KB; a queue with SQS's classic
// 256 KiB limit (fauxqs enforces the queue's MaximumMessageSize, as SQS and ElasticMQ do) refuses it.

describe("index messages stay under the queue's message size limit (fauxqs SQS, 256 KiB queue)", () => {
  let env: Awaited<ReturnType<typeof startS3Sqs>>;
  let queue: SqsQueue;
  beforeAll(async () => {
    env = await startS3Sqs();
    await env.sqs.send(new CreateQueueCommand({ QueueName: "index-256k", Attributes: { MaximumMessageSize: "262144" } }));
    queue = new SqsQueue({ client: env.sqs });
  });
  afterAll(async () => {
    await env?.stop();
  });

  const message = (dims: number, chunks: number): IndexMessage => ({
    type: "chunks.index",
    documentKey: "big.md",
    version: "v1",
    total: chunks,
    embeddingModel: "m-3072",
    chunks: Array.from({ length: chunks }, (_, i) => ({
      id: `c${i}`,
      documentKey: "big.md",
      version: "v1",
      ordinal: i,
      text: "word ".repeat(300),
      sectionPath: ["A"],
      kind: "text" as const,
      metadata: {},
      vector: encodeVector(Float32Array.from({ length: dims }, (_, j) => Math.sin(i * dims + j))),
    })),
  });

  it("one unsplit 16-chunk message of 3072-d vectors is refused; the split parts are accepted and carry every chunk once", async () => {
    const msg = message(3072, 16);
    const whole = JSON.stringify(msg);
    expect(Buffer.byteLength(whole)).toBeGreaterThan(262_144);
    await expect(queue.send("index-256k", whole)).rejects.toThrow();

    const parts = sizedBodies(msg);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(200 * 1024);
    await queue.sendBatch("index-256k", parts);
    const ids = parts.flatMap((p) => (JSON.parse(p) as IndexMessage).chunks.map((c) => c.id));
    expect(ids).toEqual(msg.chunks.map((c) => c.id));
    expect(parts.every((p) => (JSON.parse(p) as IndexMessage).total === 16)).toBe(true);
  });

  it("a small message is not split", () => {
    expect(sizedBodies(message(384, 4))).toHaveLength(1);
  });
});
