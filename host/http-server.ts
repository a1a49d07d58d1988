import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { PassThrough, type Duplex, type Readable } from "node:stream";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { logger } from "../shared/observability/logger";
import type { Topology } from "../shared/topology";
import { attachBodyStream } from "../shared/util/request-body";
import { decodeRequestPath } from "../shared/util/request-path";
import { serveConsole } from "./console";
import { applyCors } from "./cors";
import { loadHandler } from "./handlers";
import { readBody } from "./read-body";
import { lambdaContext, withTimeout } from "./lambda-context";
import { allowedMethods, compileRoute, matchRoute, type CompiledRoute } from "./routes";

// HTTP requests → API Gateway HTTP API (payload v2) events → the topology's handlers.

const TEXT_TYPES = /^(application\/json|text\/|application\/x-www-form-urlencoded)/;
/** Routes whose body is a file: handed to the handler as a stream (shared/util/request-body.ts), never held whole. */
const STREAMED_BODY = /^PUT \/(documents|uploads)\//;
/** Bodies read whole (JSON, webhooks): Lambda's synchronous payload limit, so the host takes what AWS takes. */
const HELD_BODY_BYTES = 6 * 1024 * 1024;
/** The slowest upload a streamed route waits for, on top of its function's timeout. */
const TRANSFER_BYTES_PER_SECOND = 1024 * 1024;

/** `consoleOrigins`: a console served elsewhere that may call the API (RAGLINE_CONSOLE_ORIGIN; host/cors.ts). */
export function httpRequestListener(topology: Topology, maxBodyBytes: number, consoleOrigins: readonly string[] = []) {
  const routes: CompiledRoute[] = Object.entries(topology.functions).flatMap(([name, f]) =>
    f.trigger.kind === "http" ? f.trigger.routes.map((r) => compileRoute(r, name)) : [],
  );

  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (applyCors(req, res, consoleOrigins)) return; // a preflight from the console's origin, answered
      // The path only: a request target of "//x" must not become a URL whose host is "x".
      const url = new URL(`http://host${req.url?.startsWith("/") ? req.url : `/${req.url ?? ""}`}`);
      // A malformed path is the client's error: refused here, before any route or handler sees it.
      const path = decodeRequestPath(url.pathname);
      if (!path.ok) return send(res, errorResult(400, "bad_request", path.reason));
      const method = req.method ?? "GET";
      const hit = matchRoute(routes, method, url.pathname);
      if (!hit && (await serveConsole(req, res, url.pathname))) return; // the web console: only where no API route matches
      if (!hit) {
        const allow = allowedMethods(routes, url.pathname);
        if (allow.length)
          return send(
            res,
            errorResult(405, "method_not_allowed", `${method} is not allowed on ${path.decoded}; allowed: ${allow.join(", ")}`, { allow: allow.join(", ") }),
          );
        return send(res, errorResult(404, "not_found", `no route ${method} ${path.decoded}`));
      }
      const streamed = STREAMED_BODY.test(hit.route.routeKey);
      // A file may be as large as an object; any other body is held whole, so it gets what Lambda takes.
      const limit = streamed ? maxBodyBytes : Math.min(maxBodyBytes, HELD_BODY_BYTES);
      const tooLarge = () => errorResult(413, "too_large", `body exceeds ${limit} bytes`);
      const announced = contentLength(req);
      if (announced !== undefined && announced > limit) {
        send(res, tooLarge());
        req.resume();
        return;
      } // refused unread
      const body = streamed ? Buffer.alloc(0) : await readBody(req, limit);
      if (body === "too_large") return send(res, tooLarge());
      const def = topology.functions[hit.route.functionName];
      const event = toEvent(req, url, hit.route.routeKey, hit.pathParameters, body);
      const stream = streamed ? streamBody(req) : undefined;
      if (stream) attachBodyStream(event, stream, announced);
      const handler = await loadHandler(def.handler);
      try {
        // A streamed body arrives during the call (on Lambda, before it): its time is allowed on top, at 1 MiB/s.
        const seconds = def.timeoutSeconds + (streamed ? Math.ceil((announced ?? maxBodyBytes) / TRANSFER_BYTES_PER_SECOND) : 0);
        const result = (await withTimeout(
          handler(event, lambdaContext(hit.route.functionName, seconds)),
          seconds,
          hit.route.functionName,
        )) as APIGatewayProxyStructuredResultV2;
        send(res, result);
      } finally {
        // Answered before the body's end (refused, past the size limit, timed out): the rest is read and
        // dropped, and a store still writing the stream fails, so it removes what it wrote.
        if (stream && !req.complete) {
          req.unpipe();
          req.resume();
          stream.destroy(new Error("the request was answered before the end of its body"));
        }
      }
    } catch (err) {
      logger.error("http invocation failed", { error: err as Error });
      send(res, errorResult(500, "internal", "internal error"));
    }
  };
}

/** For the server's "clientError" event: a request Node's parser refuses (a raw NUL or space in the path, a bad header) gets a JSON error too. */
export function httpClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code] = err.code === "HPE_HEADER_OVERFLOW" ? ["431 Request Header Fields Too Large", "headers_too_large"] : ["400 Bad Request", "bad_request"];
  const body = JSON.stringify({ error: { code, message: `malformed HTTP request (${err.code ?? "parse error"})` } });
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function errorResult(statusCode: number, code: string, message: string, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ error: { code, message } }) };
}

function toEvent(req: IncomingMessage, url: URL, routeKey: string, pathParameters: Record<string, string>, body: Buffer): APIGatewayProxyEventV2 {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v ?? "")]));
  const contentType = headers["content-type"] ?? "";
  const isText = TEXT_TYPES.test(contentType) && !/^PUT \/(documents|uploads)\//.test(routeKey); // file bytes stay bytes
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
      accountId: "local",
      apiId: "ragline-host",
      domainName: headers.host ?? "localhost",
      domainPrefix: "ragline",
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
  };
}

function contentLength(req: IncomingMessage): number | undefined {
  const n = Number(req.headers["content-length"]);
  return req.headers["content-length"] !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The request's body as a stream of its own: a consumer that fails or stops never destroys the request, so an answer can still be sent. */
function streamBody(req: IncomingMessage): Readable {
  const body = new PassThrough();
  // Failing it must reach whoever reads it, never the process: a handler that refused before reading has no listener.
  body.on("error", () => {});
  req.pipe(body);
  // A client gone midway fails the stream, so a store writing it stops and keeps nothing.
  req.on("close", () => {
    if (!req.complete) body.destroy(new Error("the client closed the request before the end of its body"));
  });
  req.on("error", (e) => body.destroy(e));
  return body;
}

function send(res: ServerResponse, r: APIGatewayProxyStructuredResultV2) {
  if (res.headersSent) return;
  const body = r.body === undefined ? "" : r.isBase64Encoded ? Buffer.from(r.body, "base64") : r.body;
  res.writeHead(r.statusCode ?? 200, r.headers as Record<string, string>);
  res.end(body);
}
