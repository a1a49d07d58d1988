import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { FolderObjectStore } from "../shared/adapters/embedded/folder-object-store";
import { SqliteQueue } from "../shared/adapters/embedded/sqlite-queue";
import { checkWebhookSettings } from "../shared/jobs/callback-url";
import { logger } from "../shared/observability/logger";
import { setContext, type Context } from "../shared/runtime/context";
import { queueFunctions, topology as defaultTopology, type Topology } from "../shared/topology";
import { bucketWebhook } from "./bucket-webhook";
import { FolderNotifications } from "./folder-notifications";
import { loadHandler } from "./handlers";
import { httpClientError, httpRequestListener } from "./http-server";
import { lambdaContext, withTimeout } from "./lambda-context";
import { QueuePoller } from "./queue-poller";
import { rateMs, scheduledEvent } from "./schedule";
import { webSocketUpgrade, type ConnectionHub } from "./websocket";

// The function host: turns the topology into HTTP and WebSocket routes, queue pollers with Lambda's
// event-source-mapping behaviour, bucket notifications and schedules, running the same handler
// modules Lambda runs. Several hosts on the same backends scale out.

export interface HostOptions {
  ctx: Context;
  port?: number;
  hostname?: string;
  topology?: Topology;
  /** Which parts run here: "all" (default), "api" (HTTP + WebSocket), "workers" (pollers, notifications, schedules). */
  role?: "all" | "api" | "workers";
  /** Run schedules (off in tests by default). */
  schedules?: boolean;
  /** Watch the folder bucket for changes (default true); off = only reconciliation finds them. */
  bucketNotifications?: boolean;
}

export interface Host {
  url: string;
  wsUrl: string;
  port: number;
  pollers: Map<string, QueuePoller>;
  close(): Promise<void>;
}

export async function startHost(opts: HostOptions): Promise<Host> {
  const { ctx } = opts;
  const topology = opts.topology ?? defaultTopology;
  const role = opts.role ?? "all";
  setContext(ctx); // handlers in this process use the host's ports
  checkWebhookSettings(ctx.config); // a bad allowlist stops start-up; a missing secret is said out loud
  const stops: (() => Promise<void> | void)[] = [];

  // A host that died mid-batch left leases behind; on one machine they can be released at once.
  if (ctx.queue instanceof SqliteQueue) {
    const released = ctx.queue.recoverAbandoned();
    if (released) logger.warn("released messages held by a dead process", { released });
  }

  const pollers = new Map<string, QueuePoller>();
  if (role !== "api") {
    for (const [name, def] of queueFunctions(topology)) {
      const p = new QueuePoller({ name, queue: ctx.queue, trigger: def.trigger, timeoutSeconds: def.timeoutSeconds, concurrency: def.concurrency, handler: () => loadHandler(def.handler), waitSeconds: ctx.config.RAGLINE_POLL_WAIT_SECONDS });
      p.start();
      pollers.set(name, p);
      stops.push(() => p.stop());
    }
    if (ctx.objects instanceof FolderObjectStore && opts.bucketNotifications !== false) {
      const notifications = new FolderNotifications(ctx.objects, join(ctx.config.dataDir, "state", "bucket-notifications.db"), topology.bucket.name,
        async (records) => { await ctx.queue.sendBatch(topology.bucket.notifications.queue, records.map((r) => JSON.stringify({ Records: [r] }))); },
        ctx.config.RAGLINE_SCAN_INTERVAL_MS);
      notifications.start();
      stops.push(() => notifications.stop());
    }
    if (opts.schedules) {
      for (const [name, def] of Object.entries(topology.functions)) {
        if (def.trigger.kind !== "schedule") continue;
        const timer = setInterval(async () => {
          try {
            const handler = await loadHandler(def.handler);
            await withTimeout(handler(scheduledEvent(name), lambdaContext(name, def.timeoutSeconds)), def.timeoutSeconds, name);
          } catch (err) { logger.error("scheduled function failed", { function: name, error: err as Error }); }
        }, rateMs(def.trigger.expression));
        timer.unref();
        stops.push(() => clearInterval(timer));
      }
    }
  }

  const api = httpRequestListener(topology, ctx.config.RAGLINE_MAX_OBJECT_BYTES);
  const bucketHook = bucketWebhook(ctx, topology); // MinIO bucket notifications → ingest queue
  const server = createServer((req, res) => { if (!bucketHook(req, res)) void api(req, res); });
  server.on("clientError", httpClientError); // requests Node's parser refuses get a JSON 400, like the rest of the API
  if (role !== "workers") {
    const hub = ctx.notifier as unknown as Partial<ConnectionHub>;
    if (typeof hub.attach !== "function" || typeof hub.detach !== "function") throw new Error(`notifier ${ctx.notifier.name} cannot hold WebSocket connections in the host`);
    const ws = webSocketUpgrade(topology, hub as ConnectionHub);
    server.on("upgrade", ws.handleUpgrade);
    stops.unshift(() => ws.close());
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? ctx.config.PORT, opts.hostname ?? ctx.config.RAGLINE_HOST, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const hostname = opts.hostname ?? ctx.config.RAGLINE_HOST;

  return {
    url: `http://${hostname}:${port}`,
    wsUrl: `ws://${hostname}:${port}/ws`,
    port,
    pollers,
    async close() {
      for (const stop of stops) await stop();
      await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
      await ctx.close();
      setContext(undefined);
    },
  };
}
