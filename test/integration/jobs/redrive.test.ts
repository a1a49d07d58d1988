import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqsQueue } from "../../../shared/adapters/aws/sqs-queue";
import { redrive } from "../../../shared/jobs/redrive";
import { dlqName, type Queue } from "../../../shared/ports/queue";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { QUEUES } from "../../../shared/topology";
import { startS3Sqs } from "../adapters/servers";
import { tempDir } from "../../helpers/tmp";

// Dead-lettered messages go back to their queue, each once, on the embedded SQLite queue and on an
// SQS protocol server (fauxqs); and through the CLI on a data dir.

async function drain(queue: Queue, name: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const got = await queue.receive(name, { maxMessages: 10, visibilityTimeoutSeconds: 30 });
    if (!got.length) return out.sort();
    for (const m of got) {
      out.push(m.body);
      await queue.delete(name, m.receiptHandle);
    }
  }
}

describe("redrive: dead-lettered messages back to their queue", () => {
  const t = tempDir();
  let sqs: Awaited<ReturnType<typeof startS3Sqs>>;
  beforeAll(async () => {
    sqs = await startS3Sqs();
  });
  afterAll(async () => {
    await sqs?.stop();
    t.cleanup();
  });

  const bodies = Array.from({ length: 23 }, (_, i) => JSON.stringify({ type: "chunks.embed", n: i }));

  it("on the embedded SQLite queue and on SQS (fauxqs): all 23 moved once, the DLQ left empty", async () => {
    const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: join(t.dir, "a") }));
    const onSqs = new SqsQueue({ client: sqs.sqs });
    await onSqs.ensureQueues([{ name: QUEUES.embed, maxReceives: 5 }]);
    try {
      for (const q of [ctx.queue, onSqs] as Queue[]) {
        await q.sendBatch(dlqName(QUEUES.embed), bodies);
        expect(await redrive(q, QUEUES.embed)).toBe(23);
        expect(await drain(q, QUEUES.embed)).toEqual([...bodies].sort());
        expect(await drain(q, dlqName(QUEUES.embed))).toEqual([]);
      }
      await expect(redrive(ctx.queue, "nope")).rejects.toThrow(/not a queue of the topology/);
    } finally {
      await ctx.close();
    }
  });

  it("`ragline redrive embed --limit 5` on a data dir moves five", async () => {
    const dir = join(t.dir, "b");
    const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: dir }));
    await ctx.queue.sendBatch(dlqName(QUEUES.embed), bodies);
    await ctx.close();
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "..", "..", "..", "cli", "main.ts"), "redrive", "embed", "--limit", "5"],
      {
        env: { ...process.env, RAGLINE_DATA_DIR: dir, LOG_LEVEL: "ERROR" },
        encoding: "utf8",
      },
    );
    expect(out).toMatch(/embed: 5 message\(s\) moved back from embed-dlq/);
    const after = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: dir }));
    try {
      expect((await drain(after.queue, QUEUES.embed)).length).toBe(5);
      expect((await drain(after.queue, dlqName(QUEUES.embed))).length).toBe(18);
    } finally {
      await after.close();
    }
  });
});
