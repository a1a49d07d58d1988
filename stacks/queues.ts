import { LINKS } from "../shared/adapters/aws/sst-links";
import { queueFunctions, type Topology } from "../shared/topology";
import type { FunctionLike, QueueLike, SstApi } from "./sst-api";

// Every topology queue with its `<queue>-dlq` (14 days' retention is SQS's maximum; the redrive
// count is the consuming function's maxReceives), and each queue function subscribed with the
// topology's batch size and window, partial batch responses, and its concurrency as the event
// source mapping's maximum (Lambda's floor is 2).

/** SQS's default is 4 days; a dead letter needs time to be looked at. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

export function queues(sst: SstApi, topology: Topology) {
  const triggers = new Map(queueFunctions(topology).map(([, f]) => [f.trigger.queue, f.trigger]));
  const out: Record<string, { queue: QueueLike; dlq: QueueLike }> = {};
  for (const name of topology.queues) {
    const t = triggers.get(name);
    const dlq = new sst.aws.Queue(LINKS.dlq(name), { transform: { queue: { messageRetentionSeconds: DLQ_RETENTION_SECONDS } } });
    const queue = new sst.aws.Queue(LINKS.queue(name), {
      ...(t ? { visibilityTimeout: `${t.visibilityTimeoutSeconds} seconds` as const } : {}),
      dlq: { queue: dlq.arn, retry: t?.maxReceives ?? 5 },
    });
    out[name] = { queue, dlq };
  }
  return out;
}

export function subscribe(topology: Topology, qs: ReturnType<typeof queues>, fns: Record<string, FunctionLike>) {
  for (const [name, def] of queueFunctions(topology)) {
    const t = def.trigger;
    qs[t.queue].queue.subscribe(fns[name].arn, {
      batch: { size: t.batchSize, partialResponses: true, ...(t.batchWindowSeconds ? { window: `${t.batchWindowSeconds} seconds` as const } : {}) },
      transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: Math.max(2, def.concurrency) } } },
    });
  }
}
