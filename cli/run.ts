import { loadHandler } from "../host/handlers";
import { lambdaContext, runWithTimeout } from "../host/lambda-context";
import { scheduledEvent } from "../host/schedule";
import { loadConfig } from "../shared/runtime/config";
import { createContext, setContext } from "../shared/runtime/context";
import { topology } from "../shared/topology";

// `ragline run <function>`: one invocation of a scheduled function, then exit (0 = it succeeded).
// What a Kubernetes CronJob runs; the schedule and "never beside itself" are the CronJob's.

export async function runOnce(name: string | undefined): Promise<void> {
  const def = name ? topology.functions[name] : undefined;
  const schedules = Object.entries(topology.functions)
    .filter(([, d]) => d.trigger.kind === "schedule")
    .map(([n]) => n);
  if (!name || !def || def.trigger.kind !== "schedule") {
    throw new Error(`run: ${name ? `"${name}" is not a scheduled function` : "name a scheduled function"}; one of ${schedules.join(", ")}`);
  }
  const ctx = createContext(loadConfig());
  setContext(ctx);
  const run = runWithTimeout(
    async (signal) => (await loadHandler(def.handler))(scheduledEvent(name), lambdaContext(name, def.timeoutSeconds, signal)),
    def.timeoutSeconds,
    name,
  );
  try {
    const result = await run.result;
    process.stdout.write(`${JSON.stringify({ function: name, result: result ?? null })}\n`);
  } finally {
    // A run cut off at its timeout gets a short grace to stop at a stage boundary; then the process ends anyway.
    await Promise.race([run.settled, new Promise((r) => setTimeout(r, 30_000).unref())]);
    await ctx.close();
    setContext(undefined);
  }
}
