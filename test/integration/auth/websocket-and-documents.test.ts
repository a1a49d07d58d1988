import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startHost, type Host } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { api, followJob } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";

const KEYS = [
  { key: "alice-key-0123456789abcdef", tenant: "acme", subject: "alice", groups: ["legal"] },
  { key: "bob-key-0123456789abcdef00", tenant: "acme", subject: "bob", groups: [], roles: ["writer"] },
];

describe("auth on the WebSocket and the documents API (in-process host, RAGLINE_AUTH=required)", () => {
  const t = tempDir();
  let host: Host;
  const as = (key: string) => ({ "x-api-key": key });

  beforeAll(async () => {
    const ctx = createEmbeddedContext(
      loadConfig({
        RAGLINE_DATA_DIR: t.dir,
        RAGLINE_AUTH: "required",
        RAGLINE_API_KEYS: JSON.stringify(KEYS),
        RAGLINE_DEFAULT_ACCESS: JSON.stringify([{ prefix: "", tenant: "acme" }]),
      }),
    );
    host = await startHost({ ctx, port: 0 });
    writeFileSync(join(ctx.config.bucketDir, "public.txt"), "The cafeteria opens at eight in the morning.\n\nLunch is served from noon.");
    writeFileSync(join(ctx.config.bucketDir, "contract.txt"), "The settlement amount is confidential.\n\nLegal holds the signed contract.");
    writeFileSync(join(ctx.config.bucketDir, "contract.txt.meta.json"), JSON.stringify({ acl: ["legal"] }));
    await waitFor(async () => ((await ctx.catalog.counts()).indexed ?? 0) === 2, "documents indexed");
  });
  afterAll(async () => {
    await host.close();
    t.cleanup();
  });

  it("refuses a WebSocket without a key, and follows only the caller's own jobs", async () => {
    // Refused at the handshake by the $connect authorizer, with API Gateway's 401.
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(host.wsUrl);
      ws.on("unexpected-response", (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        ws.terminate();
      });
      ws.on("error", () => undefined);
    });
    expect(refused).toBe(401);

    const submit = await api(host.url, "POST", "/queries", { question: "When does the cafeteria open?" }, as(KEYS[0].key));
    expect(submit.status).toBe(202);
    const own = await followJob(`${host.wsUrl}?token=${KEYS[0].key}`, submit.body.jobId);
    expect(own.at(-1)!.type).toBe("done");
    await expect(followJob(`${host.wsUrl}?token=${KEYS[1].key}`, submit.body.jobId)).rejects.toThrow(/not found/);
  });

  it("lists and shows a document with an ACL only to its readers", async () => {
    const keysFor = async (key: string) => (await api(host.url, "GET", "/documents", undefined, as(key))).body.documents.map((d: { key: string }) => d.key);
    expect(await keysFor(KEYS[0].key)).toEqual(["contract.txt", "public.txt"]);
    expect(await keysFor(KEYS[1].key)).toEqual(["public.txt"]);
    expect((await api(host.url, "GET", "/documents/contract.txt/chunks", undefined, as(KEYS[1].key))).status).toBe(404);
    expect((await api(host.url, "GET", "/documents/contract.txt/chunks", undefined, as(KEYS[0].key))).body.chunks.length).toBeGreaterThan(0);
    expect((await api(host.url, "DELETE", "/documents/contract.txt", undefined, as(KEYS[1].key))).status).toBe(404);
    expect((await api(host.url, "GET", "/documents")).status).toBe(401);
  });
});
