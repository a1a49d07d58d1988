import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { WebSocketServer, type WebSocket } from "ws";
import type { ConnectionSink } from "../shared/adapters/embedded/local-notifier";
import { logger } from "../shared/observability/logger";
import type { Topology } from "../shared/topology";
import { loadHandler } from "./handlers";
import { lambdaContext, withTimeout } from "./lambda-context";

// WebSocket connections → API Gateway WebSocket events ($connect, $disconnect, and routes chosen by
// the frame's "action", as API Gateway's `$request.body.action` selection does).

export interface ConnectionHub {
  attach(connectionId: string, sink: ConnectionSink): void;
  detach(connectionId: string): void;
}

export function webSocketUpgrade(topology: Topology, hub: ConnectionHub, path = "/ws") {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const routes = new Map(Object.entries(topology.functions).flatMap(([name, f]) => (f.trigger.kind === "websocket" ? [[f.trigger.route, { name, def: f }] as const] : [])));

  // What $connect returned as `context` is passed on every later event of the connection, as API
  // Gateway does with a $connect authorizer's context (requestContext.authorizer).
  const authorizers = new Map<string, Record<string, unknown>>();

  const invoke = async (route: string, connectionId: string, eventType: "CONNECT" | "DISCONNECT" | "MESSAGE", body?: string, req?: IncomingMessage) => {
    const target = routes.get(route) ?? routes.get("$default");
    if (!target) return undefined;
    const now = Date.now();
    const url = req ? new URL(req.url ?? "/", "http://host") : undefined;
    const event = {
      body,
      isBase64Encoded: false,
      ...(req ? { headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v ?? ""])) } : {}),
      ...(url?.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
      requestContext: {
        authorizer: authorizers.get(connectionId),
        routeKey: route, eventType, connectionId, messageId: randomUUID(), extendedRequestId: randomUUID(), requestId: randomUUID(),
        apiId: "ragline-host", domainName: "localhost", stage: "$default", connectedAt: now, requestTimeEpoch: now, requestTime: new Date(now).toISOString(),
        messageDirection: "IN",
      },
    } as unknown as APIGatewayProxyWebsocketEventV2;
    const handler = await loadHandler(target.def.handler);
    return (await withTimeout(handler(event, lambdaContext(target.name, target.def.timeoutSeconds)), target.def.timeoutSeconds, target.name)) as
      { statusCode?: number; body?: string; context?: Record<string, unknown> } | undefined;
  };

  wss.on("connection", (ws: WebSocket, req: IncomingMessage) => {
    const connectionId = randomUUID();
    hub.attach(connectionId, { send: (frame) => (ws.readyState === ws.OPEN ? (ws.send(frame), true) : false) });
    const run = (p: Promise<unknown>) => p.then(() => undefined, (err) => logger.error("websocket handler failed", { connectionId, error: err as Error }));
    // Messages of one connection are handled in order, after $connect accepted it.
    let chain = invoke("$connect", connectionId, "CONNECT", undefined, req).then((res) => {
      if ((res?.statusCode ?? 200) >= 400) {
        ws.send(JSON.stringify({ type: "error", error: { code: res?.statusCode === 401 ? "unauthorized" : "refused", message: res?.body ?? "connection refused" } }));
        ws.close(1008, "refused");
        return;
      }
      if (res?.context) authorizers.set(connectionId, res.context);
    }, (err) => { logger.error("websocket connect failed", { connectionId, error: err as Error }); ws.close(1011); });
    ws.on("message", (data) => {
      const body = data.toString();
      let action = "$default";
      try { action = JSON.parse(body)?.action ?? "$default"; } catch { /* $default gets it */ }
      chain = chain.then(() => run(invoke(routes.has(action) ? action : "$default", connectionId, "MESSAGE", body)));
    });
    ws.on("close", () => {
      hub.detach(connectionId);
      chain = chain.then(() => run(invoke("$disconnect", connectionId, "DISCONNECT"))).then(() => void authorizers.delete(connectionId));
    });
  });

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      if (new URL(req.url ?? "/", "http://host").pathname !== path) return socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    },
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}
