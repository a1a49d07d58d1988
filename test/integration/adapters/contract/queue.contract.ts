import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Queue } from "../../../../shared/ports/queue";
import { dlqName } from "../../../../shared/ports/queue";

// What every Queue adapter must do (SQS semantics): batches, visibility timeout, receive counts,
// stale receipts, redrive to `<queue>-dlq`, long polling, depth. Visibility is in whole seconds
// (SQS's unit), so the slowest case waits ~1 s.

export interface QueueFixture {
  queue: Queue;
  /** Creates the queues (and DLQs) the test needs; maxReceives as the queue's redrive policy where the backend has one. */
  create(name: string, opts?: { maxReceives?: number }): Promise<void>;
  /** Reads a queue without consuming it for good (to look into a DLQ). */
  drain(name: string): Promise<string[]>;
}

export function queueContract(label: string, fixture: () => QueueFixture) {
  const fresh = async (opts?: { maxReceives?: number }) => {
    const f = fixture();
    const name = `q-${randomUUID().slice(0, 8)}`;
    await f.create(name, opts);
    return { ...f, name };
  };

  describe(`Queue contract: ${label}`, () => {
    it("delivers a batch, hides it while in flight, and deletes by receipt", async () => {
      const { queue, name } = await fresh();
      await queue.sendBatch(name, ["a", "b", "c"]);
      const first = await queue.receive(name, { maxMessages: 2, visibilityTimeoutSeconds: 30 });
      expect(first).toHaveLength(2);
      expect(first.every((m) => m.receiveCount === 1 && !!m.id && !!m.receiptHandle && !Number.isNaN(Date.parse(m.sentAt)))).toBe(true);
      const second = await queue.receive(name, { maxMessages: 10, visibilityTimeoutSeconds: 30 });
      expect([...first, ...second].map((m) => m.body).sort()).toEqual(["a", "b", "c"]);
      expect(await queue.depth(name)).toEqual({ visible: 0, inFlight: 3 });
      await queue.delete(name, first[0].receiptHandle);
      expect(await queue.depth(name)).toEqual({ visible: 0, inFlight: 2 });
    });

    it("sendBatch returns one id per body, in order, beyond one wire batch (25 messages)", async () => {
      const { queue, name } = await fresh();
      const bodies = Array.from({ length: 25 }, (_, i) => `m${i}`);
      const ids = await queue.sendBatch(name, bodies);
      expect(ids).toHaveLength(25);
      expect(new Set(ids).size).toBe(25);
      const got: string[] = [];
      for (let i = 0; i < 5 && got.length < 25; i++) {
        const batch = await queue.receive(name, { maxMessages: 10, visibilityTimeoutSeconds: 30 });
        for (const m of batch) {
          got.push(m.body);
          expect(ids).toContain(m.id);
        }
      }
      expect(got.sort()).toEqual([...bodies].sort());
    });

    it("redelivers after the visibility timeout with a higher receive count; a stale receipt deletes nothing", async () => {
      const { queue, name } = await fresh();
      await queue.send(name, "x", { attributes: { kind: "test" } });
      const [m1] = await queue.receive(name, { maxMessages: 1, visibilityTimeoutSeconds: 1 });
      expect(m1.attributes).toEqual({ kind: "test" });
      await new Promise((r) => setTimeout(r, 1200));
      const [m2] = await queue.receive(name, { maxMessages: 1, visibilityTimeoutSeconds: 30, waitSeconds: 2 });
      expect(m2.id).toBe(m1.id);
      expect(m2.receiveCount).toBe(2);
      await queue.delete(name, m1.receiptHandle).catch(() => undefined); // stale: must not delete the new delivery
      expect((await queue.depth(name)).inFlight).toBe(1);
      await queue.delete(name, m2.receiptHandle);
      expect(await queue.depth(name)).toEqual({ visible: 0, inFlight: 0 });
    });

    it("changeVisibility releases a message at once (0) or keeps it hidden", async () => {
      const { queue, name } = await fresh();
      await queue.send(name, "y");
      const [m] = await queue.receive(name, { maxMessages: 1, visibilityTimeoutSeconds: 30 });
      await queue.changeVisibility(name, m.receiptHandle, 0);
      const [again] = await queue.receive(name, { maxMessages: 1, visibilityTimeoutSeconds: 30 });
      expect(again.body).toBe("y");
      await queue.changeVisibility(name, again.receiptHandle, 60);
      expect(await queue.receive(name, { maxMessages: 1, visibilityTimeoutSeconds: 30 })).toHaveLength(0);
    });

    it("moves a message to <queue>-dlq once it was received maxReceives times", async () => {
      const { queue, name, drain } = await fresh({ maxReceives: 2 });
      await queue.send(name, "poison");
      for (let i = 0; i < 2; i++) {
        const got = await queue.receive(name, { maxMessages: 1, visibilityTimeoutSeconds: 0, maxReceives: 2 });
        expect(got.map((m) => m.body)).toEqual(["poison"]);
      }
      expect(await queue.receive(name, { maxMessages: 1, visibilityTimeoutSeconds: 0, maxReceives: 2 })).toHaveLength(0);
      expect(await drain(dlqName(name))).toEqual(["poison"]);
    });

    it("long-polls: a waiting receive returns soon after a send", async () => {
      const { queue, name } = await fresh();
      const started = Date.now();
      const pending = queue.receive(name, { maxMessages: 1, visibilityTimeoutSeconds: 30, waitSeconds: 5 });
      setTimeout(() => void queue.send(name, "late"), 200);
      expect((await pending).map((m) => m.body)).toEqual(["late"]);
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it("delayed messages stay invisible until due", async () => {
      const { queue, name } = await fresh();
      await queue.send(name, "later", { delaySeconds: 1 });
      expect(await queue.receive(name, { maxMessages: 1, visibilityTimeoutSeconds: 30 })).toHaveLength(0);
      const got = await queue.receive(name, { maxMessages: 1, visibilityTimeoutSeconds: 30, waitSeconds: 3 });
      expect(got.map((m) => m.body)).toEqual(["later"]);
    });
  });
}
