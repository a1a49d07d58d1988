import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { FolderObjectStore } from "../shared/adapters/embedded/folder-object-store";
import { checkWebhookSettings } from "../shared/jobs/callback-url";
import { recordLostWork } from "../shared/jobs/worker-lost";
import { logger } from "../shared/observability/logger";
import { hasLeaseRecovery } from "../shared/ports/queue";
import { setContext, type Context } from "../shared/runtime/context";
import { queueFunctions, topology as defaultTopology, type Topology } from "../shared/topology";
import { bucketWebhook } from "./bucket-webhook";
import { FolderNotifications } from "./folder-notifications";
import { loadHandler } from "./handlers";
import { httpClientError, httpRequestListener } from "./http-server";
import { lambdaContext } from "./lambda-context";
import { mayBringLargeDocument, PARSES_IN_FLIGHT, startOffload, type WorkerOffload } from "./offload";
import { QueuePoller } from "./queue-poller";
import { rateMs, scheduledEvent, ScheduleRunner, type NamedLease } from "./schedule";
import { SqliteScheduleClock } from "./schedule-clock";
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
  /** The worker threads that parse documents (none with RAGLINE_WORKERS=0 or role "api"). */
  workers?: WorkerOffload;
  close(): Promise<void>;
}

export async function startHost(opts: HostOptions): Promise<Host> {
  const { ctx } = opts;
  const topology = opts.topology ?? defaultTopology;
  const role = opts.role ?? "all";
  setContext(ctx); // handlers in this process use the host's ports
  checkWebhookSettings(ctx.settings.webhooks); // a bad allowlist stops start-up; a missing secret is said out loud
  const stops: (() => Promise<void> | void)[] = [];

  // A host that died mid-batch left leases behind. Where the host owns the leases (the embedded
  // queue), this instance heartbeats, and leases of instances that are gone are released at once:
  // now, before the pollers start, and every heartbeat period (replicas on one data dir).
  if (hasLeaseRecovery(ctx.queue)) {
    const queue = ctx.queue;
    const period = ctx.config.RAGLINE_HEARTBEAT_MS;
    queue.startHeartbeat(period);
    let sweeping = false;
    const sweep = async () => {
      if (sweeping) return;
      sweeping = true;
      try {
        const lost = queue.claimLost();
        if (!lost.length) return;
        logger.warn("releasing messages whose worker was lost", { released: lost.length, queues: [...new Set(lost.map((l) => l.queue))] });
        await recordLostWork(ctx, lost, new Date(Date.now() + (ctx.config.RAGLINE_POLL_WAIT_SECONDS + 1) * 1000));
        queue.release(lost);
      } catch (err) {
        logger.error("releasing lost leases failed; the next sweep tries again", { error: err as Error });
      } finally {
        sweeping = false;
      }
    };
    await sweep();
    const timer = setInterval(() => void sweep(), period);
    timer.unref();
    stops.push(() => {
      clearInterval(timer);
      queue.stopHeartbeat();
    });
  }

  const pollers = new Map<string, QueuePoller>();
  let workers: WorkerOffload | undefined;
  if (role !== "api") {
    workers = startOffload(ctx, topology);
    for (const [name, def] of queueFunctions(topology)) {
      // Many small documents at once; those that may be large, as many as there are worker threads to parse them.
      const parse = name === "ingest-parse";
      const largeSlots = Math.max(def.concurrency, workers?.pool.size ?? 0);
      const p = new QueuePoller({
        name,
        queue: ctx.queue,
        trigger: def.trigger,
        timeoutSeconds: def.timeoutSeconds,
        concurrency: parse ? Math.max(largeSlots, PARSES_IN_FLIGHT) : def.concurrency,
        heavy: parse ? { isHeavy: (m) => mayBringLargeDocument(m.body), slots: largeSlots } : undefined,
        idleConcurrency: parse ? largeSlots : undefined,
        handler: () => loadHandler(def.handler),
        waitSeconds: ctx.config.RAGLINE_POLL_WAIT_SECONDS,
      });
      p.start();
      pollers.set(name, p);
      stops.push(() => p.stop());
    }
    const offload = workers;
    if (offload) stops.push(() => offload.close()); // once no poller can call it
    if (ctx.objects instanceof FolderObjectStore && opts.bucketNotifications !== false) {
      const notifications = new FolderNotifications(
        ctx.objects,
        join(ctx.config.dataDir, "state", "bucket-notifications.db"),
        topology.bucket.name,
        async (records) => {
          await ctx.queue.sendBatch(
            topology.bucket.notifications.queue,
            records.map((r) => JSON.stringify({ Records: [r] })),
          );
        },
        ctx.config.RAGLINE_SCAN_INTERVAL_MS,
        ctx.config.RAGLINE_BUCKET_RESCAN_MS,
      );
      notifications.start();
      stops.push(() => notifications.stop());
    }
    const scheduled = Object.values(topology.functions).some((f) => f.trigger.kind === "schedule");
    if (opts.schedules && scheduled) {
      // Never beside itself: skipped while its last run goes on, here or (embedded queue) on a replica.
      const lease = typeof (ctx.queue as Partial<NamedLease>).tryLease === "function" ? (ctx.queue as unknown as NamedLease) : undefined;
      // Periods count from the last start recorded in the data dir, so restarts do not postpone them.
      const clock = new SqliteScheduleClock(join(ctx.config.dataDir, "state", "schedules.db"));
      for (const [name, def] of Object.entries(topology.functions)) {
        if (def.trigger.kind !== "schedule") continue;
        const runner = new ScheduleRunner({
          name,
          everyMs: rateMs(def.trigger.expression),
          timeoutSeconds: def.timeoutSeconds,
          lease,
          clock,
          run: async (signal) => (await loadHandler(def.handler))(scheduledEvent(name), lambdaContext(name, def.timeoutSeconds, signal)),
        });
        runner.start();
        stops.push(() => runner.stop());
      }
      stops.push(() => clock.close()); // after the runners have stopped
    }
  }

  const api = httpRequestListener(topology, ctx.config.RAGLINE_MAX_OBJECT_BYTES, ctx.config.RAGLINE_CONSOLE_ORIGIN);
  const bucketHook = bucketWebhook(ctx, topology); // MinIO bucket notifications → ingest queue
  const server = createServer((req, res) => {
    if (!bucketHook(req, res)) void api(req, res);
  });
  server.on("clientError", httpClientError); // requests Node's parser refuses get a JSON 400, like the rest of the API
  if (role !== "workers") {
    const hub = ctx.notifier as unknown as Partial<ConnectionHub>;
    if (typeof hub.attach !== "function" || typeof hub.detach !== "function")
      throw new Error(`notifier ${ctx.notifier.name} cannot hold WebSocket connections in the host`);
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
    workers,
    async close() {
      for (const stop of stops) await stop();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await ctx.close();
      setContext(undefined);
    },
  };
}
