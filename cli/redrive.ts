import { redrive } from "../shared/jobs/redrive";
import { loadConfig } from "../shared/runtime/config";
import { createContext } from "../shared/runtime/context";
import { topology } from "../shared/topology";
import { integerFlag, UsageError, type Flags } from "./args";

// `ragline redrive QUEUE [--limit N]` (or `--all`): dead-lettered messages back to their queue, on the
// configured backends (the embedded data dir, or SQS/ElasticMQ).

export async function redriveCommand(name: string | undefined, flags: Flags) {
  const names = flags.all ? topology.queues : name ? [name] : [];
  if (!names.length || (flags.all && name)) throw new UsageError(`redrive: name one queue (${topology.queues.join(", ")}) or --all`);
  if (name && !topology.queues.includes(name)) throw new UsageError(`redrive: unknown queue ${name} (${topology.queues.join(", ")})`);
  const limit = integerFlag(flags, "limit", 1);
  const ctx = createContext(loadConfig());
  try {
    for (const q of names) {
      const moved = await redrive(ctx.queue, q, { limit });
      process.stdout.write(`${q}: ${moved} message(s) moved back from ${q}-dlq\n`);
    }
  } finally {
    await ctx.close();
  }
}
