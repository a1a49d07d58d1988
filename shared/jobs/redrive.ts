import { dlqName, type Queue } from "../ports/queue";
import { topology } from "../topology";

// Moves dead-lettered messages back to their queue (after the cause is fixed: a model host back up,
// a bug deployed away). Each is sent before it is deleted from the DLQ, so a crash between the two
// redrives it twice at worst; every handler is idempotent. Works on every Queue adapter.

export async function redrive(queue: Queue, name: string, opts: { limit?: number } = {}): Promise<number> {
  if (!topology.queues.includes(name)) throw new Error(`redrive: "${name}" is not a queue of the topology (${topology.queues.join(", ")})`);
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  let moved = 0;
  while (moved < limit) {
    const batch = await queue.receive(dlqName(name), { maxMessages: Math.min(10, limit - moved), visibilityTimeoutSeconds: 60 });
    if (!batch.length) break;
    for (const m of batch) {
      await queue.send(name, m.body);
      await queue.delete(dlqName(name), m.receiptHandle);
      moved++;
    }
  }
  return moved;
}
