import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalHost, type LocalHost } from "../../../evals/run/local-host";
import { startHost } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createContext } from "../../../shared/runtime/context";
import { topology } from "../../../shared/topology";
import { tempDir } from "../../helpers/tmp";

// PUT /documents/{key} on the function host: the body is streamed to the bucket as it arrives (never
// held whole), and the size limit is enforced while reading: past it the answer is a 413 at once,
// before the client has finished sending, and nothing is stored. A real host in this process.

const LIMIT = 1024 * 1024;
let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost({ env: { RAGLINE_MAX_OBJECT_BYTES: String(LIMIT), RAGLINE_WORKERS: "0" } });
}, 60_000);
afterAll(async () => {
  await host?.close();
});

const tmpDir = () => join(host.config.dataDir, "tmp");
const tempFiles = () => (existsSync(tmpDir()) ? readdirSync(tmpDir()).filter((f) => f.startsWith(".ragline-tmp-")) : []);
const bucketFile = (key: string) => join(host.config.bucketDir, ...key.split("/"));

/** A PUT whose body the test writes piece by piece; `response` settles when the server answers. */
function openPut(key: string, headers: Record<string, string> = {}) {
  const url = new URL(`/documents/${key}`, host.url);
  let req!: ClientRequest;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = request(url, { method: "PUT", headers: { "content-type": "application/octet-stream", ...headers } }, (res: IncomingMessage) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8") }));
    });
    req.on("error", reject);
  });
  return { req, response };
}

/**
 * Writes `total` bytes in 64 KiB pieces, waiting for the socket to drain; stops once the server has
 * answered (a server that answered may stop reading: a drain is then never coming).
 */
async function writeBytes(req: ClientRequest, total: number, answered: () => boolean, response?: Promise<unknown>): Promise<Buffer> {
  const sent: Buffer[] = [];
  for (let at = 0; at < total && !answered(); at += 65_536) {
    const piece = randomBytes(Math.min(65_536, total - at));
    sent.push(piece);
    if (!req.write(piece)) await Promise.race([new Promise((r) => req.once("drain", r)), ...(response ? [response] : [])]);
  }
  return Buffer.concat(sent);
}

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`never happened: ${what}`);
}

describe("streamed uploads on the host (PUT /documents/{key})", () => {
  it("a body under the limit is written while it arrives, and stored whole", async () => {
    const key = "stream/under-limit.bin";
    const { req, response } = openPut(key); // chunked: no Content-Length
    let answered = false;
    void response.then(() => {
      answered = true;
    });
    const first = await writeBytes(req, 600_000, () => answered);
    // The old host buffered the whole body before calling the handler: nothing reached the disk yet.
    await until(() => tempFiles().some((f) => statSync(join(tmpDir(), f)).size > 0), "the body is written to a temp file before the request ends");
    const rest = await writeBytes(req, 300_000, () => answered);
    req.end();
    const r = await response;
    expect(r.status).toBe(202);
    expect(JSON.parse(r.body)).toMatchObject({ key, status: "pending", size: 900_000 });
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    expect(sha(readFileSync(bucketFile(key)))).toBe(sha(Buffer.concat([first, rest])));
    expect(tempFiles()).toEqual([]);
  });

  it("past the limit while reading: 413 before the client has finished sending, nothing stored, the old version kept", async () => {
    const key = "stream/over-limit.bin";
    const first = openPut(key, { "x-amz-meta-department": "before" });
    first.req.end(Buffer.from("the version that must survive"));
    expect((await first.response).status).toBe(202);

    const { req, response } = openPut(key, { "x-amz-meta-department": "after" }); // chunked: the size is unknown until read
    let answered = false;
    void response.then(() => {
      answered = true;
    });
    // Up to 4 x the limit, but the server answers long before: the request is never ended by the test.
    await writeBytes(req, 4 * LIMIT, () => answered, response);
    const r = await response;
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe("too_large");
    req.destroy();
    expect(readFileSync(bucketFile(key), "utf8")).toBe("the version that must survive");
    expect(JSON.parse(readFileSync(bucketFile(key) + ".meta.json", "utf8")).department).toBe("before");
    await until(() => tempFiles().length === 0, "the partial temp file is removed");
  });

  it("an announced length past the limit is refused before any byte is read; nothing stored", async () => {
    const key = "stream/announced.bin";
    const { req, response } = openPut(key, { "content-length": String(LIMIT + 1) });
    req.flushHeaders();
    const r = await response; // answered with the body still unsent
    expect(r.status).toBe(413);
    req.destroy();
    expect(existsSync(bucketFile(key))).toBe(false);
    expect(await host.ctx.catalog.get(key)).toBeUndefined();
  });

  it("an empty body is a 400 naming the body; the same route still takes a small upload with a Content-Length", async () => {
    const empty = openPut("stream/empty.bin", { "content-length": "0" });
    empty.req.end();
    const r = await empty.response;
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.details).toEqual([{ field: "body", message: "required" }]);
    const small = openPut("stream/small.txt", { "content-type": "text/plain" });
    small.req.end("plain text, streamed with a length");
    expect((await small.response).status).toBe(202);
    expect(readFileSync(bucketFile("stream/small.txt"), "utf8")).toBe("plain text, streamed with a length");
  });
});

describe("host upload URLs (PUT /uploads/{token}) stream too, held to the granted size", () => {
  const ticket = async (key: string, size: number) => {
    const r = await fetch(new URL("/uploads", host.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key, contentType: "application/octet-stream", size }),
    });
    expect(r.status).toBe(200);
    return (await r.json()) as { url: string; headers: Record<string, string> };
  };
  const openUpload = (t: { url: string; headers: Record<string, string> }, extra: Record<string, string> = {}) => {
    let req!: ClientRequest;
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req = request(new URL(t.url), { method: "PUT", headers: { ...t.headers, ...extra } }, (res: IncomingMessage) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8") }));
      });
      req.on("error", reject);
    });
    return { req, response };
  };

  it("the granted size arrives whole and is stored; fewer bytes (chunked) store nothing", async () => {
    const ok = openUpload(await ticket("grant/whole.bin", 300_000));
    const body = randomBytes(300_000);
    ok.req.end(body);
    expect((await ok.response).status).toBe(202);
    expect(readFileSync(bucketFile("grant/whole.bin")).equals(body)).toBe(true);

    const short = openUpload(await ticket("grant/short.bin", 300_000), { "transfer-encoding": "chunked" }); // counted, not announced
    short.req.end(randomBytes(200_000));
    const r = await short.response;
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toMatch(/body is 200000 bytes; the upload URL was issued for 300000/);
    expect(existsSync(bucketFile("grant/short.bin"))).toBe(false);
  });

  it("more bytes than granted: 400 before the client has finished sending, nothing stored", async () => {
    const { req, response } = openUpload(await ticket("grant/long.bin", 100_000));
    let answered = false;
    void response.then(() => {
      answered = true;
    });
    await writeBytes(req, 4 * LIMIT, () => answered, response); // never ended by the test
    const r = await response;
    expect(r.status).toBe(400);
    req.destroy();
    expect(existsSync(bucketFile("grant/long.bin"))).toBe(false);
    await until(() => tempFiles().length === 0, "the partial temp file is removed");
  });
});

// The describes below start hosts of their own, which take over the process's context (setContext) when
// they start and drop it when they close: they run after every test that uses the shared host above.
describe("a streamed upload's time on the wire", () => {
  /** A host whose documents function times out after 1 s. */
  async function withShortHost(body: (h: { url: string; dataDir: string; bucketDir: string }) => Promise<void>) {
    const t = tempDir();
    const ctx = createContext(
      loadConfig({ ...process.env, RAGLINE_DATA_DIR: t.dir, RAGLINE_WORKERS: "0", RAGLINE_MAX_OBJECT_BYTES: String(LIMIT), PORT: "0" }),
    );
    const short = { ...topology, functions: { ...topology.functions, "http-documents": { ...topology.functions["http-documents"]!, timeoutSeconds: 1 } } };
    const h = await startHost({ ctx, port: 0, topology: short, schedules: false, bucketNotifications: false });
    try {
      await body({ url: h.url, dataDir: ctx.config.dataDir, bucketDir: ctx.config.bucketDir });
    } finally {
      await h.close();
      t.cleanup();
    }
  }
  const put = (url: string, headers: Record<string, string>) => {
    const req = request(new URL("/documents/slow/upload.bin", url), { method: "PUT", headers: { "content-type": "application/octet-stream", ...headers } });
    const response = new Promise<number>((resolve, reject) => {
      req.on("response", (res: IncomingMessage) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
    });
    return { req, response };
  };

  it("is allowed on top of the function's timeout (the body arrives during the call, not before it as on Lambda)", async () => {
    await withShortHost(async (h) => {
      const body = randomBytes(200_000);
      const { req, response } = put(h.url, { "content-length": String(body.length) });
      req.write(body.subarray(0, 100_000));
      // The rest only after the function's 1 s timeout has passed: a slow client, not a slow handler.
      await new Promise((r) => setTimeout(r, 1500));
      req.end(body.subarray(100_000));
      expect(await response).toBe(202);
      expect(readFileSync(join(h.bucketDir, "slow", "upload.bin")).equals(body)).toBe(true);
    });
  });

  it("a client that stalls past that allowance gets an error and leaves nothing behind, not even a partial temp file", async () => {
    await withShortHost(async (h) => {
      const { req, response } = put(h.url, {}); // chunked: 1 s + 1 s for the 1 MiB limit
      req.write(randomBytes(100_000));
      expect(await response).toBe(500); // the function timed out; the request was never ended
      req.destroy();
      const tmp = join(h.dataDir, "tmp");
      await until(() => !existsSync(tmp) || readdirSync(tmp).length === 0, "the partial temp file is removed");
      expect(existsSync(join(h.bucketDir, "slow", "upload.bin"))).toBe(false);
    });
  });
});

describe("bodies the host holds whole (JSON routes)", () => {
  it("are capped at Lambda's 6 MiB payload, not at the object size limit", async () => {
    const t = tempDir();
    const ctx = createContext(
      loadConfig({ ...process.env, RAGLINE_DATA_DIR: t.dir, RAGLINE_WORKERS: "0", RAGLINE_MAX_OBJECT_BYTES: String(100 * 1024 * 1024), PORT: "0" }),
    );
    const h = await startHost({ ctx, port: 0, schedules: false, bucketNotifications: false });
    try {
      const big = JSON.stringify({ question: "x".repeat(7 * 1024 * 1024) });
      const r = await fetch(new URL("/queries", h.url), { method: "POST", headers: { "content-type": "application/json" }, body: big });
      expect(r.status).toBe(413);
      expect(((await r.json()) as { error: { message: string } }).error.message).toBe(`body exceeds ${6 * 1024 * 1024} bytes`);
      const ok = await fetch(new URL("/queries", h.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ question: "What is in the documents?" }),
      });
      expect(ok.status).toBe(202);
    } finally {
      await h.close();
      t.cleanup();
    }
  });
});
