import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { request as httpRequest, createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_ROOT, consoleFile, serveConsole } from "../../../host/console";
import { tempDir } from "../../helpers/tmp";

// The console's static files over real HTTP (a plain node:http server with serveConsole in front of
// a 404), from a temp folder that has a secret next to it: nothing outside the folder is ever served.

/** A raw request target, sent as written (fetch and URL would normalise "..", which is what an attacker avoids). */
function get(port: number, path: string, method = "GET"): Promise<{ status: number; type?: string; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("console static files (host/console.ts)", () => {
  let t: ReturnType<typeof tempDir>;
  let root: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    t = tempDir();
    root = join(t.dir, "console");
    mkdirSync(join(root, "lib"), { recursive: true });
    writeFileSync(join(root, "index.html"), "<!doctype html><title>console</title>");
    writeFileSync(join(root, "app.js"), "export {};");
    writeFileSync(join(root, "style.css"), "body{}");
    writeFileSync(join(root, "lib", "dom.js"), "export const x = 1;");
    writeFileSync(join(root, ".env"), "SECRET=hidden-dotfile");
    writeFileSync(join(root, "notes.txt"), "unknown type");
    writeFileSync(join(t.dir, "secret.json"), '{"secret":"outside"}');
    writeFileSync(join(t.dir, "console-evil.js"), "outside sibling");
    server = createServer(async (req, res) => {
      const pathname = new URL(`http://h${req.url}`).pathname;
      if (await serveConsole(req, res, pathname, root)) return;
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"not_found"}}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    t.cleanup();
  });

  it("serves index.html at / and files under /console/ with their content types and a strict CSP", async () => {
    const index = await get(port, "/");
    expect(index.status).toBe(200);
    expect(index.type).toBe("text/html; charset=utf-8");
    expect(index.body).toContain("<title>console</title>");
    expect(index.headers["content-security-policy"]).toMatch(/script-src 'self'/);
    expect(index.headers["x-content-type-options"]).toBe("nosniff");
    expect((await get(port, "/console/app.js")).type).toBe("text/javascript; charset=utf-8");
    expect((await get(port, "/console/style.css")).type).toBe("text/css; charset=utf-8");
    expect((await get(port, "/console/lib/dom.js")).body).toBe("export const x = 1;");
    const head = await get(port, "/console/app.js", "HEAD");
    expect([head.status, head.body]).toEqual([200, ""]);
  });

  it.each([
    "/console/../secret.json",
    "/console/%2e%2e/secret.json",
    "/console/..%2fsecret.json",
    "/console/lib/..%2f..%2fsecret.json",
    "/console/%2E%2E%2Fsecret.json",
    "/console/..%5csecret.json",
    "/console/%2fetc%2fpasswd",
    "/console//etc/passwd",
    "/console/.env",
    "/console/lib/%00.js",
    "/console/%E0%A4%A.js",
    "/console-evil.js",
    "/console/../console-evil.js",
  ])("refuses %s (404, never a file outside the folder, a dotfile, or a crash)", async (path) => {
    const res = await get(port, path);
    expect(res.status).toBe(404);
    expect(res.body).not.toMatch(/outside|hidden-dotfile|root:/);
  });

  it("serves only GET and HEAD, only known types, only files", async () => {
    expect((await get(port, "/", "POST")).status).toBe(404);
    expect((await get(port, "/console/app.js", "DELETE")).status).toBe(404);
    expect((await get(port, "/console/notes.txt")).status).toBe(404);
    expect((await get(port, "/console/lib")).status).toBe(404);
    expect((await get(port, "/console/missing.js")).status).toBe(404);
  });

  it("the real console stays within its page weight budget (README: 80 KB before pdf.js, no framework, nothing fetched from elsewhere)", () => {
    const files = readdirSync(CONSOLE_ROOT, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    expect(bytes).toBeLessThan(80 * 1024);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(readFileSync(f, "utf8"), f).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i); // no CDN
  });

  it("serves pdf.js (its two modules and standard fonts) from node_modules under /console/vendor/pdfjs/, and nothing else of node_modules", async () => {
    const lib = await get(port, "/console/vendor/pdfjs/pdf.min.mjs");
    expect([lib.status, lib.type]).toEqual([200, "text/javascript; charset=utf-8"]);
    expect(lib.body).toContain("GlobalWorkerOptions");
    expect((await get(port, "/console/vendor/pdfjs/pdf.worker.min.mjs")).status).toBe(200);
    expect((await get(port, "/console/vendor/pdfjs/standard_fonts/LiberationSans-Regular.ttf")).type).toBe("font/ttf");
    for (const path of [
      "/console/vendor/pdfjs/package.json",
      "/console/vendor/pdfjs/pdf.mjs",
      "/console/vendor/pdfjs/standard_fonts/../package.json",
      "/console/vendor/pdfjs/standard_fonts/..%2f..%2fpackage.json",
      "/console/vendor/pdfjs/../../package.json",
    ]) {
      expect((await get(port, path)).status, path).toBe(404);
    }
    // The policy lets the page start pdf.js's worker and show the eval report's stylesheet, and nothing inline besides.
    const csp = String((await get(port, "/")).headers["content-security-policy"]);
    expect(csp).toMatch(/worker-src 'self'/);
    expect(csp).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/]+=*';/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it("maps paths to files inside the console folder only", () => {
    expect(consoleFile("/", "/srv/c")).toBe("/srv/c/index.html");
    expect(consoleFile("/console/lib/dom.js", "/srv/c")).toBe("/srv/c/lib/dom.js");
    expect(consoleFile("/documents", "/srv/c")).toBeUndefined();
    expect(consoleFile("/console/a/../../x.js", "/srv/c")).toBeUndefined();
    // The real console folder holds the entry points the page loads.
    expect(consoleFile("/console/app.js")).toBe(join(CONSOLE_ROOT, "app.js"));
  });
});
