import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startHost, type Host } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, type Context } from "../../../shared/runtime/context";
import { dlqName } from "../../../shared/ports/queue";
import { QUEUES, topology } from "../../../shared/topology";
import { tempDir, waitFor } from "../../helpers/tmp";

// The in-process host with its parse worker threads: real documents through the folder bucket,
// real HTTP and WebSocket on loopback.

/** A plain-text document of `mb` megabytes: seconds of synchronous parse and chunk work. */
function bigText(mb: number): string {
  const out: string[] = [];
  for (let i = 0, size = 0; size < mb * 1e6; i++) {
    const s = `Finding ${i} reports that compound ${i % 97} changed the expression of gene ${i % 389} in ${i % 13} of the cohorts studied.`;
    out.push(i % 8 === 7 ? `${s}\n\n` : `${s} `);
    size += s.length + 1;
  }
  return out.join("");
}

const wsOpens = (url: string) =>
  new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on("open", () => {
      ws.close();
      resolve();
    });
    ws.on("error", reject);
  });

describe("host worker threads (in-process host, real documents)", () => {
  let t: ReturnType<typeof tempDir>;
  let host: Host | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
    t?.cleanup();
  });

  async function start(settings: Record<string, string>, topo = topology): Promise<Context> {
    t = tempDir();
    const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_POLL_WAIT_SECONDS: "0", ...settings }));
    host = await startHost({ ctx, port: 0, topology: topo });
    return ctx;
  }

  it("serves POST /queries and a WebSocket handshake while a long parse is under way, on a thread that is not the host's", async () => {
    const ctx = await start({ RAGLINE_WORKERS: "1" });
    const pool = host!.workers!.pool;
    writeFileSync(join(ctx.config.bucketDir, "big.txt"), bigText(8));
    await waitFor(() => pool.stats.running === 1, "the parse under way in the worker", 60_000, 10);

    const res = await fetch(`${host!.url}/queries`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "Which gene changed?" }),
    });
    expect(res.status).toBe(202);
    await wsOpens(host!.wsUrl);
    // Both answered before the parse finished: the request thread was not the one parsing.
    expect(pool.stats).toMatchObject({ running: 1, completed: 0 });

    const doc = await waitFor(
      async () => {
        const r = await ctx.catalog.get("big.txt");
        return r?.chunks !== undefined && r;
      },
      "big.txt parsed",
      120_000,
    );
    expect(doc.chunks).toBeGreaterThan(1000);
    expect(pool.stats.completed).toBeGreaterThanOrEqual(1); // the parse, and any embed batches since
    expect([...pool.threadIds]).not.toContain(threadId);
  }, 180_000);

  it("a document that exhausts its worker's memory is retried, dead-lettered and failed with the reason; the host replaces the thread and goes on", async () => {
    // The parse function's memory, from the topology, caps each worker: a small one here.
    const topo = { ...topology, functions: { ...topology.functions, "ingest-parse": { ...topology.functions["ingest-parse"], memoryMB: 32 } } };
    const ctx = await start({ RAGLINE_WORKERS: "1" }, topo);
    // Well past 32 MB of heap when parsed (8 MB of text fitted once the parsers' heavy libraries loaded lazily).
    writeFileSync(join(ctx.config.bucketDir, "poison.txt"), bigText(24));
    const failed = await waitFor(
      async () => {
        const r = await ctx.catalog.get("poison.txt");
        return r?.status === "failed" && r;
      },
      "poison.txt failed",
      150_000,
    );
    expect(failed.error).toMatch(/^dead_lettered: the parse stage failed 3 times \(last: .*memory/);
    expect(host!.workers!.pool.stats.lost).toBe(3);
    await waitFor(async () => (await ctx.queue.depth(dlqName(QUEUES.ingestEvents))).visible === 1, "the message in the DLQ");

    writeFileSync(join(ctx.config.bucketDir, "fine.txt"), "A small document that parses within any budget. It has two sentences.");
    await waitFor(async () => (await ctx.catalog.get("fine.txt"))?.status === "indexed", "fine.txt indexed", 30_000);
    expect((await fetch(`${host!.url}/health`)).status).toBe(200);
  }, 240_000);
});
