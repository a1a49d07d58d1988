import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequestListener } from "../../../host/http-server";
import { configSchema } from "../../../shared/runtime/config";
import { topology } from "../../../shared/topology";

// The host's CORS (host/cors.ts) through its real request listener over HTTP: a console served from
// a configured origin may call the API; any other origin gets no CORS header at all. Only requests that
// never reach a handler are sent here (preflights, an unknown route); the browser test drives real calls.

const CONSOLE = "http://console.test:8080";

function send(port: number, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function listen(origins: string[]): Promise<{ server: Server; port: number }> {
  const server = createServer(httpRequestListener(topology, 1024 * 1024, origins));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as AddressInfo).port };
}

const preflight = (origin: string, method: string, headers: string) => ({
  origin,
  "access-control-request-method": method,
  "access-control-request-headers": headers,
});

describe("host CORS for a console on another origin (RAGLINE_CONSOLE_ORIGIN)", () => {
  let configured: { server: Server; port: number };
  let unconfigured: { server: Server; port: number };
  beforeAll(async () => {
    configured = await listen([CONSOLE]);
    unconfigured = await listen([]);
  });
  afterAll(() => {
    configured?.server.close();
    unconfigured?.server.close();
  });

  it("answers the configured origin's preflight with that origin (never *), the console's methods and the headers it sends", async () => {
    const r = await send(configured.port, "OPTIONS", "/documents?limit=1", preflight(CONSOLE, "GET", "x-api-key"));
    expect(r.status).toBe(204);
    expect(r.headers).toMatchObject({ "access-control-allow-origin": CONSOLE, "access-control-allow-headers": "x-api-key", vary: "origin" });
    expect(String(r.headers["access-control-allow-methods"]).split(", ")).toEqual(expect.arrayContaining(["GET", "POST", "PUT", "DELETE"]));
    expect(r.headers["access-control-allow-credentials"]).toBeUndefined();
    // An upload URL's PUT: its content type and x-amz-meta-* headers; an unknown header is not allowed.
    const upload = await send(
      configured.port,
      "OPTIONS",
      "/uploads/token",
      preflight(CONSOLE, "PUT", "content-type, x-amz-meta-acl, x-amz-meta-department, x-evil"),
    );
    expect(upload.headers["access-control-allow-headers"]).toBe("content-type, x-amz-meta-acl, x-amz-meta-department");
    expect(
      (await send(configured.port, "OPTIONS", "/queries", preflight(CONSOLE, "POST", "authorization, content-type"))).headers["access-control-allow-headers"],
    ).toBe("authorization, content-type");
  });

  it("gives the configured origin's answers (errors too) its origin and exposes Retry-After", async () => {
    const r = await send(configured.port, "GET", "/no-such-route", { origin: CONSOLE });
    expect(r.status).toBe(404);
    expect(r.headers).toMatchObject({ "access-control-allow-origin": CONSOLE, "access-control-expose-headers": "retry-after" });
  });

  it("an origin that is not configured gets no CORS allowance: its preflight is a 405 without CORS headers, its answers carry none", async () => {
    for (const port of [configured.port, unconfigured.port]) {
      const pre = await send(port, "OPTIONS", "/documents", preflight("http://evil.test", "GET", "x-api-key"));
      expect(pre.status).toBe(405);
      expect(Object.keys(pre.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
      const get = await send(port, "GET", "/no-such-route", { origin: "http://evil.test" });
      expect(Object.keys(get.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
    }
    // Not even a near miss: another port or scheme of the console's host is another origin.
    for (const origin of ["http://console.test:8081", "https://console.test:8080", "http://console.test"]) {
      expect(
        (await send(configured.port, "OPTIONS", "/documents", preflight(origin, "GET", "x-api-key"))).headers["access-control-allow-origin"],
      ).toBeUndefined();
    }
  });

  it("RAGLINE_CONSOLE_ORIGIN: none by default; a list of origins; a path, a wildcard or a bare name is refused at start-up", () => {
    const parse = (v?: string) => configSchema.shape.RAGLINE_CONSOLE_ORIGIN.safeParse(v);
    expect(parse(undefined).data).toEqual([]);
    expect(parse("https://console.example.com, http://localhost:5173").data).toEqual(["https://console.example.com", "http://localhost:5173"]);
    for (const bad of ["*", "https://*.example.com", "https://console.example.com/app", "console.example.com"]) expect(parse(bad).success, bad).toBe(false);
  });
});
