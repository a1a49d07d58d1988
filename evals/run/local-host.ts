import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHost } from "../../host";
import { loadConfig, type Config } from "../../shared/runtime/config";
import { createContext, type Context } from "../../shared/runtime/context";

// The whole system in this process on a data dir of its own (a fresh temp dir by default): the
// function host with its HTTP API, queue pollers and bucket notifications, exactly as `ragline dev`
// runs it. Configuration comes from the environment plus `env`, so RAGLINE_* settings apply.

export interface LocalHost {
  url: string;
  ctx: Context;
  config: Config;
  close(): Promise<void>;
}

export async function startLocalHost(opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<LocalHost> {
  const temp = opts.dataDir ? undefined : mkdtempSync(join(tmpdir(), "ragline-eval-"));
  const config = loadConfig({
    RAGLINE_MAX_QUEUED_JOBS: "100000", // the runner bounds its own concurrency
    ...process.env,
    ...opts.env,
    RAGLINE_DATA_DIR: opts.dataDir ?? temp!,
    PORT: "0",
  });
  const ctx = createContext(config);
  const host = await startHost({ ctx, port: 0, schedules: false });
  return {
    url: host.url,
    ctx,
    config,
    async close() {
      await host.close();
      if (temp) rmSync(temp, { recursive: true, force: true });
    },
  };
}
