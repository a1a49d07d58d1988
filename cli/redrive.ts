import { redrive } from "../shared/jobs/redrive";
import { loadConfig } from "../shared/runtime/config";
import { createContext } from "../shared/runtime/context";
import { topology } from "../shared/topology";

// `ragline redrive QUEUE [--limit N]` (or `--all`): dead-lettered messages back to their queue, on the
// configured backends (the embedded data dir, or SQS/ElasticMQ).

export async function redriveCommand(name: string | undefined, flags: Record<string, string | true>) {
  const names = flags.all ? topology.queues : name ? [name] : [];
  if (!names.length) throw new Error(`redrive: name a queue (${topology.queues.join(", ")}) or --all`);
  const ctx = createContext(loadConfig());
  try {
    for (const q of names) {
      const moved = await redrive(ctx.queue, q, { limit: typeof flags.limit === "string" ? Number(flags.limit) : undefined });
      process.stdout.write(`${q}: ${moved} message(s) moved back from ${q}-dlq\n`);
    }
  } finally {
    await ctx.close();
  }
}
