import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { logger } from "../shared/observability/logger";
import type { Topology } from "../shared/topology";
import { loadHandler } from "./handlers";
import { lambdaContext, withTimeout } from "./lambda-context";
import { compileRoute, matchRoute, type CompiledRoute } from "./routes";

// HTTP requests → API Gateway HTTP API (payload v2) events → the topology's handlers.

const TEXT_TYPES = /^(application\/json|text\/|application\/x-www-form-urlencoded)/;

export function httpRequestListener(topology: Topology, maxBodyBytes: number) {
  const routes: CompiledRoute[] = Object.entries(topology.functions).flatMap(([name, f]) =>
    f.trigger.kind === "http" ? f.trigger.routes.map((r) => compileRoute(r, name)) : []);

  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? "/", "http://host");
      const path = decodeURIComponent(url.pathname);
      const hit = matchRoute(routes, req.method ?? "GET", url.pathname);
      if (!hit) return send(res, { statusCode: 404, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: { code: "not_found", message: `no route ${req.method} ${path}` } }) });
      const body = await readBody(req, maxBodyBytes);
      if (body === "too_large") return send(res, { statusCode: 413, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: { code: "too_large", message: `body exceeds ${maxBodyBytes} bytes` } }) });
      const def = topology.functions[hit.route.functionName];
      const event = toEvent(req, url, hit.route.routeKey, hit.pathParameters, body);
      const handler = await loadHandler(def.handler);
      const result = (await withTimeout(handler(event, lambdaContext(hit.route.functionName, def.timeoutSeconds)), def.timeoutSeconds, hit.route.functionName)) as APIGatewayProxyStructuredResultV2;
      send(res, result);
    } catch (err) {
      logger.error("http invocation failed", { error: err as Error });
      send(res, { statusCode: 500, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: { code: "internal", message: "internal error" } }) });
    }
  };
}

function toEvent(req: IncomingMessage, url: URL, routeKey: string, pathParameters: Record<string, string>, body: Buffer): APIGatewayProxyEventV2 {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v ?? ""]));
  const contentType = headers["content-type"] ?? "";
  const isText = TEXT_TYPES.test(contentType) && !routeKey.startsWith("PUT /documents");
  const now = Date.now();
  return {
    version: "2.0",
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    pathParameters,
    body: body.length ? (isText ? body.toString("utf8") : body.toString("base64")) : undefined,
    isBase64Encoded: body.length > 0 && !isText,
    requestContext: {
      accountId: "local", apiId: "ragline-host", domainName: headers.host ?? "localhost", domainPrefix: "ragline",
      http: { method: req.method ?? "GET", path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? "", userAgent: headers["user-agent"] ?? "" },
      requestId: randomUUID(), routeKey, stage: "$default", time: new Date(now).toISOString(), timeEpoch: now,
    },
  };
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | "too_large"> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) { resolve("too_large"); req.resume(); return; }
      parts.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, r: APIGatewayProxyStructuredResultV2) {
  if (res.headersSent) return;
  const body = r.body === undefined ? "" : r.isBase64Encoded ? Buffer.from(r.body, "base64") : r.body;
  res.writeHead(r.statusCode ?? 200, r.headers as Record<string, string>);
  res.end(body);
}
