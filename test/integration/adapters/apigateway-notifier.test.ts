import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiGatewayNotifier } from "../../../shared/adapters/aws/apigateway-notifier";
import { SqliteJobStore } from "../../../shared/adapters/embedded/sqlite-job-store";
import { tempDir } from "../../helpers/tmp";
import { credentials, region } from "./servers";

// The API Gateway management API is spoken over HTTP by the real SDK to a loopback stand-in that
// answers as the documented API does: POST /{stage}/@connections/{id} → 200, or 410 GoneException
// for a closed connection. (No API Gateway runs here; the stand-in is named as such.)

let server: Server;
let endpoint: string;
const received = new Map<string, unknown[]>();
const gone = new Set<string>();
const t = tempDir();
let jobs: SqliteJobStore;

beforeAll(async () => {
  server = createServer((req, res) => {
    const m = /^\/prod\/@connections\/([^/]+)$/.exec(req.url ?? "");
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method !== "POST" || !m) {
        res.writeHead(404).end();
        return;
      }
      const id = decodeURIComponent(m[1]);
      if (gone.has(id)) {
        res.writeHead(410, { "content-type": "application/json", "x-amzn-errortype": "GoneException" }).end(JSON.stringify({ message: null }));
        return;
      }
      received.set(id, [...(received.get(id) ?? []), JSON.parse(body)]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
  jobs = new SqliteJobStore(join(t.dir, "jobs.db"));
});
afterAll(async () => {
  jobs.close();
  await new Promise((r) => server.close(r));
  t.cleanup();
});

describe("ApiGatewayNotifier (real SDK over HTTP to a management-API stand-in)", () => {
  it("follow sends the log after afterSeq; publish reaches every subscriber; a gone connection is unsubscribed", async () => {
    const notifier = new ApiGatewayNotifier({ jobs, endpoint, clientConfig: { region, credentials } });
    await jobs.create("j1", { question: "q" });
    for (let i = 0; i < 3; i++) await jobs.appendEvent("j1", "delta", { text: `t${i}` });
    await jobs.subscribe("j1", "alive");
    await jobs.subscribe("j1", "closed");
    gone.add("closed");

    await notifier.follow("alive", "j1", 1);
    expect((received.get("alive") as { seq: number }[]).map((e) => e.seq)).toEqual([2, 3]);

    const done = await jobs.appendEvent("j1", "done", { answer: "a" });
    await notifier.publish(done!);
    expect((received.get("alive") as { seq: number }[]).map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(await jobs.subscribers("j1")).toEqual(["alive"]); // "closed" answered 410 and was dropped

    expect(await notifier.send("closed", { type: "error" })).toBe(false);
    expect(await notifier.send("alive", { type: "ping" })).toBe(true);
  });

  it("follow stops at the job's final event and at a gone connection", async () => {
    const notifier = new ApiGatewayNotifier({ jobs, endpoint, clientConfig: { region, credentials } });
    await jobs.create("j2", { question: "q" });
    await jobs.appendEvent("j2", "done", {});
    await jobs.appendEvent("j2", "delta", { late: true }); // nothing follows a final event
    await notifier.follow("c2", "j2", 0);
    expect((received.get("c2") as { type: string }[]).map((e) => e.type)).toEqual(["done"]);
    gone.add("c3");
    await notifier.follow("c3", "j2", 0);
    expect(received.get("c3")).toBeUndefined();
  });
});
