import { startHost } from "../host";
import { loadConfig } from "../shared/runtime/config";
import { createContext } from "../shared/runtime/context";
import { topology } from "../shared/topology";
import { choiceFlag, integerFlag, stringFlag, type Flags } from "./args";
import { selectFunctions } from "./functions";

// `ragline dev`: the whole system on one machine, no services. Prints where to drop files and
// where the API is, then the ingestion progress as documents are indexed.

export async function dev(flags: Flags, opts: { quiet?: boolean } = {}) {
  const env = { ...process.env };
  const data = stringFlag(flags, "data"),
    port = integerFlag(flags, "port", 0, 65535);
  if (data) env.RAGLINE_DATA_DIR = data;
  if (port !== undefined) env.PORT = String(port);
  // A developer's machine does not run the daily eval suite into its own bucket unless asked to.
  if (!opts.quiet) process.env.RAGLINE_EVAL_SUITE ??= "off";
  const config = loadConfig(env);
  const ctx = createContext(config);
  const role = choiceFlag(flags, "role", ["all", "api", "workers"], "all");
  const only = stringFlag(flags, "functions");
  const functions = only !== undefined ? selectFunctions(topology, only) : undefined;
  const host = await startHost({ ctx, role, schedules: role !== "api", topology: functions });
  process.stdout.write(`ragline is running (role ${role}; objects ${ctx.objects.name}, queue ${ctx.queue.name}, jobs ${ctx.jobs.name}, index ${ctx.index.name}; ${ctx.embedder.backend} embedder ${ctx.embedder.model}, ${ctx.generator.backend} generator ${ctx.generator.model})
  API:       ${host.url}
  WebSocket: ${host.wsUrl}
  Bucket:    ${ctx.objects.name === "folder" ? `${config.bucketDir}  (drop files here)` : ctx.objects.name}
  Ask:       npx ragline ask "your question"
`);
  let last = "";
  const progress = opts.quiet
    ? undefined
    : setInterval(async () => {
        const c = await ctx.catalog.counts().catch(() => ({}) as Record<string, number>);
        const total = Object.values(c).reduce((a, b) => a + b, 0);
        if (!total) return;
        const line =
          `documents: ${c.indexed ?? 0} indexed of ${total}` +
          (c.processing || c.pending ? `, ${(c.processing ?? 0) + (c.pending ?? 0)} in progress` : "") +
          (c.failed ? `, ${c.failed} failed` : "") +
          (c.duplicate ? `, ${c.duplicate} duplicates` : "");
        if (line !== last) process.stdout.write(`${process.stdout.isTTY ? "\r\x1b[K" : ""}${line}${process.stdout.isTTY ? "" : "\n"}`);
        last = line;
      }, 1000);

  const shutdown = async () => {
    if (progress) clearInterval(progress);
    await host.close();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
