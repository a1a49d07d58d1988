import { randomUUID } from "node:crypto";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { WebSocketServer, type WebSocket } from "ws";
import type { ConnectionSink } from "../shared/adapters/embedded/local-notifier";
import { logger } from "../shared/observability/logger";
import type { FunctionDef, Topology } from "../shared/topology";
import { loadHandler } from "./handlers";
import { lambdaContext, withTimeout } from "./lambda-context";
import { API_ID, authorize, authorizerEvent, connectRequest, STAGE, type ConnectRequest } from "./websocket-authorizer";

// WebSocket connections → API Gateway WebSocket events: the $connect route's authorizer and
// $connect itself decide the upgrade (refused with their HTTP status, as API Gateway does), then
// routes are chosen by the frame's "action" (API Gateway's `$request.body.action`) and $disconnect
// ends the connection. Bad input ends at most its own connection: frames over MAX_FRAME_BYTES close
// with 1009, invalid UTF-8 with 1007, protocol violations (reserved opcodes, RSV bits, unmasked
// frames) with 1002, all decided by `ws`; frames that are not a known action get an error frame.

export interface ConnectionHub {
  attach(connectionId: string, sink: ConnectionSink): void;
  detach(connectionId: string): void;
}

/** Largest message a client may send (a subscribe frame is ~100 bytes). Set explicitly: ws's default is 100 MiB. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Frames of one connection waiting for their handler; more means a flood, and the connection is closed (1008). */
const MAX_PENDING_FRAMES = 32;

type Target = { name: string; def: FunctionDef };
type WsResponse = { statusCode?: number; body?: string } | undefined;

export function webSocketUpgrade(topology: Topology, hub: ConnectionHub, path = "/ws") {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  wss.on("error", (err) => logger.warn("websocket server error", { error: err }));
  const routes = new Map(
    Object.entries(topology.functions).flatMap(([name, def]) => (def.trigger.kind === "websocket" ? [[def.trigger.route, { name, def }] as const] : [])),
  );
  const authorizer = connectAuthorizer(topology, routes.get("$connect"));
  /** Routes a frame may select: not $connect/$disconnect, which only the connection's life invokes. */
  const actions = [...routes.keys()].filter((r) => !r.startsWith("$"));

  const call = async (target: Target, event: unknown) => {
    const handler = await loadHandler(target.def.handler);
    return withTimeout(handler(event, lambdaContext(target.name, target.def.timeoutSeconds)), target.def.timeoutSeconds, target.name);
  };

  const invoke = async (
    route: string,
    c: ConnectRequest,
    eventType: "CONNECT" | "DISCONNECT" | "MESSAGE",
    auth: Record<string, unknown> | undefined,
    body?: string,
  ): Promise<WsResponse> => {
    const target = routes.get(route);
    if (!target) return undefined;
    const now = Date.now();
    const event = {
      ...(body === undefined ? {} : { body }),
      isBase64Encoded: false,
      // Only $connect sees the upgrade request's headers and query string, as on API Gateway.
      ...(eventType === "CONNECT"
        ? {
            headers: c.headers,
            multiValueHeaders: c.multiValueHeaders,
            queryStringParameters: c.queryStringParameters,
            multiValueQueryStringParameters: c.multiValueQueryStringParameters,
          }
        : {}),
      requestContext: {
        ...(auth ? { authorizer: auth } : {}),
        routeKey: route,
        eventType,
        connectionId: c.connectionId,
        messageId: randomUUID(),
        extendedRequestId: randomUUID(),
        requestId: randomUUID(),
        apiId: API_ID,
        domainName: c.domainName,
        stage: STAGE,
        connectedAt: c.connectedAt,
        requestTimeEpoch: now,
        requestTime: new Date(now).toUTCString(),
        messageDirection: "IN",
        identity: { sourceIp: c.sourceIp, userAgent: c.userAgent },
      },
    } as unknown as APIGatewayProxyWebsocketEventV2;
    return (await call(target, event)) as WsResponse;
  };

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const c = connectRequest(req);
    let auth: Record<string, unknown> | undefined;
    if (authorizer) {
      const outcome = await authorize(authorizer.identitySources, authorizerEvent(c), (e) => call(authorizer.target, e));
      if (outcome.status !== 200) {
        logger.info("websocket connect refused by the authorizer", { status: outcome.status, reason: outcome.reason });
        return refuse(socket, outcome.status);
      }
      auth = outcome.authorizer;
    }
    const res = await invoke("$connect", c, "CONNECT", auth).catch((err) => {
      logger.error("websocket $connect failed", { connectionId: c.connectionId, error: err as Error });
      return { statusCode: 500 };
    });
    if ((res?.statusCode ?? 200) >= 400) return refuse(socket, res!.statusCode!);
    if (socket.destroyed) return void invoke("$disconnect", c, "DISCONNECT", auth).catch(() => undefined);
    wss.handleUpgrade(req, socket, head, (ws) => connected(ws, c, auth));
  }

  function connected(ws: WebSocket, c: ConnectRequest, auth: Record<string, unknown> | undefined) {
    const { connectionId } = c;
    // ws has already closed the connection with the right code when it emits this; the listener
    // keeps the error from becoming an uncaught exception of the whole process.
    ws.on("error", (err: Error & { code?: string }) =>
      logger.info("websocket connection closed on bad input", { connectionId, code: err.code, reason: err.message }),
    );
    const send = (frame: string) => {
      if (ws.readyState !== ws.OPEN) return false;
      ws.send(frame, (err) => err && logger.debug("websocket send failed", { connectionId, reason: err.message }));
      return true;
    };
    const reply = (message: string) => send(JSON.stringify({ type: "error", error: { code: "invalid_request", message } }));
    hub.attach(connectionId, { send });
    const run = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (err) => logger.error("websocket handler failed", { connectionId, error: err as Error }),
      );
    // Messages of one connection are handled in order.
    let chain = Promise.resolve();
    let pending = 0;
    ws.on("message", (data, isBinary) => {
      if (isBinary) return void reply(`frames are JSON text, e.g. {"action":"subscribe","jobId":"…","afterSeq":0}`);
      const body = data.toString();
      let action: unknown;
      try {
        action = JSON.parse(body)?.action;
      } catch {
        action = undefined;
      }
      const route = typeof action === "string" && actions.includes(action) ? action : routes.has("$default") ? "$default" : undefined;
      if (!route)
        return void reply(
          action === undefined
            ? 'frame is not a JSON object with an "action"'
            : `unknown action ${JSON.stringify(String(action).slice(0, 64))}; known: ${actions.join(", ")}`,
        );
      if (++pending > MAX_PENDING_FRAMES) return ws.close(1008, "too many frames in flight");
      chain = chain.then(() => run(invoke(route, c, "MESSAGE", auth, body))).finally(() => void pending--);
    });
    ws.on("close", () => {
      hub.detach(connectionId);
      chain = chain.then(() => run(invoke("$disconnect", c, "DISCONNECT", auth)));
    });
  }

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      // A client may reset at any moment of the handshake (or while the authorizer runs); with no
      // listener, that error would be uncaught and end the process.
      socket.on("error", (err) => logger.debug("websocket client socket error", { reason: err.message }));
      let pathname: string | undefined;
      try {
        pathname = new URL(req.url ?? "/", "http://host").pathname;
      } catch {
        /* refused below */
      }
      if (pathname !== path) return refuse(socket, 404);
      upgrade(req, socket, head).catch((err) => {
        logger.error("websocket upgrade failed", { error: err as Error });
        refuse(socket, 500);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** The $connect route's authorizer, from the topology; a name that is not an authorizer function is a topology error. */
function connectAuthorizer(topology: Topology, connect: Target | undefined) {
  const name = connect?.def.trigger.kind === "websocket" ? connect.def.trigger.authorizer : undefined;
  if (!name) return undefined;
  const def = topology.functions[name];
  if (def?.trigger.kind !== "authorizer") throw new Error(`topology: the $connect authorizer ${name} is not a function with an authorizer trigger`);
  return { target: { name, def }, identitySources: def.trigger.identitySources };
}

/** Refuses an upgrade with an HTTP status, with API Gateway's body for it ({"message": "Unauthorized"}). */
function refuse(socket: Duplex, status: number) {
  if (socket.destroyed) return;
  const body = JSON.stringify({ message: status === 401 ? "Unauthorized" : status === 403 ? "Forbidden" : (STATUS_CODES[status] ?? "Error") });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
