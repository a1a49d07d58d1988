import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHostProcess, type HostProcess } from "../../helpers/host-process";
import { tempDir } from "../../helpers/tmp";

// The HTTP wire of a real host (`ragline dev` as a child process): malformed paths are a 400 with an
// error body, a wrong method on a known path is a 405 with Allow, an unknown path stays a 404, and none
// of it reaches a handler as a 500.

/** Sends one raw HTTP/1.1 request (bytes fetch would refuse or re-encode) and returns status, headers and body. */
function rawRequest(base: string, requestLine: string): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname, () => sock.write(`${requestLine}\r\nhost: ${hostname}\r\nconnection: close\r\n\r\n`));
    let out = "";
    sock.on("data", (d) => (out += d.toString("latin1")));
    sock.on("error", reject);
    sock.on("close", () => {
      const [head, body = ""] = out.split("\r\n\r\n");
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body });
    });
  });
}

describe("HTTP wire of the host (child process)", () => {
  const t = tempDir();
  let host: HostProcess;
  beforeAll(async () => {
    host = await startHostProcess(t.dir);
  });
  afterAll(async () => {
    await host?.stop();
    t.cleanup();
  });

  const get = async (path: string, method = "GET") => {
    const res = await fetch(host.url + path, { method });
    const text = await res.text();
    return { status: res.status, allow: res.headers.get("allow"), body: text ? JSON.parse(text) : undefined };
  };

  it.each([
    ["a lone percent", "/documents/%"],
    ["a truncated UTF-8 escape", "/documents/%E0%A4%A"],
    ["an escape that is not UTF-8", "/documents/%FF"],
    ["an escaped NUL", "/documents/a%00b"],
    ["a 300-character segment", `/documents/${"a".repeat(300)}`],
    ["a 300-character segment after a folder", `/documents/folder/${"b".repeat(300)}.txt`],
    ["a bad escape on an unknown path", "/nowhere/%zz"],
  ])("%s is a 400 with an error body", async (_what, path) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_request");
    expect(res.body.error.message).toMatch(/path/);
  });

  it("a raw NUL byte in the request line is a 400 with an error body", async () => {
    const res = await rawRequest(host.url, "GET /documents/a\0b HTTP/1.1");
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe("bad_request");
  });

  it("a 255-character segment is still an ordinary request (404 for a missing document)", async () => {
    const res = await get(`/documents/${"c".repeat(255)}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });

  it.each([
    ["PATCH", "/documents/report.pdf", "DELETE, GET, POST, PUT"],
    ["PATCH", "/documents/folder/report.pdf", "DELETE, GET, POST, PUT"],
    ["DELETE", "/documents", "GET"],
    ["GET", "/queries", "POST"],
    ["PUT", "/queries/abc", "DELETE, GET"],
    ["POST", "/health", "GET"],
  ])("%s %s is a 405 with Allow: %s", async (method, path, allow) => {
    const res = await get(path, method);
    expect(res.status).toBe(405);
    expect(res.allow).toBe(allow);
    expect(res.body.error.code).toBe("method_not_allowed");
  });

  it("an unknown path stays a 404", async () => {
    for (const method of ["GET", "POST"]) {
      const res = await get("/no/such/route", method);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
  });

  it("the host is still serving after all of it", async () => {
    expect((await get("/health")).status).toBe(200);
    expect(host.proc.exitCode).toBeNull();
  });
});
