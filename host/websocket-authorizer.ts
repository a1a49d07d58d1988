import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";

// API Gateway's WebSocket $connect contract, emulated for the host, so that a test of the host is a
// test of AWS: the upgrade request becomes the documented REQUEST-authorizer input; the authorizer's
// answer is judged as API Gateway judges it (401 for `Error("Unauthorized")`, 403 for a policy that
// does not allow the route, 500 for anything malformed); an allowed connection carries
// `{principalId, ...context}` as requestContext.authorizer on every later event.
// Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html

export const API_ID = "ragline-host";
export const STAGE = "$default";

/** What API Gateway keeps of an upgrade request: headers as sent (case kept), query parameters, the connection's context. */
export interface ConnectRequest {
  connectionId: string;
  connectedAt: number;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  sourceIp: string;
  userAgent?: string;
  domainName: string;
}

export function connectRequest(req: IncomingMessage): ConnectRequest {
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) (multiValueHeaders[req.rawHeaders[i]] ??= []).push(req.rawHeaders[i + 1]);
  const url = new URL(req.url ?? "/", "http://host");
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (multiQuery[k] ??= []).push(v);
  const hasQuery = Object.keys(multiQuery).length > 0;
  return {
    connectionId: randomUUID(),
    connectedAt: Date.now(),
    headers: Object.fromEntries(Object.entries(multiValueHeaders).map(([k, v]) => [k, v.join(",")])),
    multiValueHeaders,
    ...(hasQuery
      ? { queryStringParameters: Object.fromEntries(Object.entries(multiQuery).map(([k, v]) => [k, v.at(-1)!])), multiValueQueryStringParameters: multiQuery }
      : {}),
    sourceIp: req.socket.remoteAddress ?? "",
    userAgent: req.headers["user-agent"],
    domainName: req.headers.host ?? "localhost",
  };
}

/** The input of a REQUEST authorizer for a WebSocket API, in the documented shape. */
export function authorizerEvent(r: ConnectRequest): APIGatewayRequestAuthorizerEvent {
  const now = Date.now();
  return {
    type: "REQUEST",
    methodArn: `arn:aws:execute-api:local:000000000000:${API_ID}/${STAGE}/$connect`,
    headers: r.headers,
    multiValueHeaders: r.multiValueHeaders,
    queryStringParameters: r.queryStringParameters ?? null,
    multiValueQueryStringParameters: r.multiValueQueryStringParameters ?? null,
    stageVariables: null,
    requestContext: {
      routeKey: "$connect",
      eventType: "CONNECT",
      extendedRequestId: randomUUID(),
      requestTime: new Date(now).toUTCString(),
      messageDirection: "IN",
      stage: STAGE,
      connectedAt: r.connectedAt,
      requestTimeEpoch: now,
      identity: { sourceIp: r.sourceIp, userAgent: r.userAgent ?? null },
      requestId: randomUUID(),
      domainName: r.domainName,
      connectionId: r.connectionId,
      apiId: API_ID,
    },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

export type AuthorizerOutcome = { status: 200; authorizer: Record<string, unknown> } | { status: 401 | 403 | 500; reason: string };

/** Runs an authorizer as API Gateway would, and says what API Gateway would answer. */
export async function authorize(
  identitySources: string[],
  event: APIGatewayRequestAuthorizerEvent,
  invoke: (e: APIGatewayRequestAuthorizerEvent) => Promise<unknown>,
): Promise<AuthorizerOutcome> {
  const missing = identitySources.find((s) => !identityValue(s, event));
  if (missing) return { status: 401, reason: `identity source ${missing} is missing` }; // the authorizer is not invoked
  const started = Date.now();
  let result: unknown;
  try {
    result = await invoke(event);
  } catch (err) {
    return (err as Error)?.message === "Unauthorized"
      ? { status: 401, reason: "Unauthorized" }
      : { status: 500, reason: `authorizer failed: ${(err as Error)?.message}` };
  }
  const r = result as { principalId?: unknown; policyDocument?: { Statement?: unknown }; context?: Record<string, unknown> } | undefined;
  const statements = Array.isArray(r?.policyDocument?.Statement)
    ? (r!.policyDocument!.Statement as { Effect?: string; Action?: string | string[]; Resource?: string | string[] }[])
    : undefined;
  if (typeof r?.principalId !== "string" || !statements) return { status: 500, reason: "authorizer response lacks principalId or policyDocument" };
  const context = r.context ?? {};
  if (Object.values(context).some((v) => !["string", "number", "boolean"].includes(typeof v)))
    return { status: 500, reason: "authorizer context values must be strings, numbers or booleans" };
  const applies = (s: (typeof statements)[number]) =>
    [s.Action ?? []].flat().some((a) => matches(a, "execute-api:Invoke")) && [s.Resource ?? []].flat().some((p) => matches(p, event.methodArn));
  if (statements.some((s) => s.Effect === "Deny" && applies(s))) return { status: 403, reason: "denied by policy" };
  if (!statements.some((s) => s.Effect === "Allow" && applies(s))) return { status: 403, reason: "not allowed by policy" };
  return { status: 200, authorizer: { ...context, principalId: r.principalId, integrationLatency: Date.now() - started } };
}

function identityValue(source: string, event: APIGatewayRequestAuthorizerEvent): string | undefined {
  const header = /^route\.request\.header\.(.+)$/i.exec(source)?.[1];
  if (header) return Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === header.toLowerCase())?.[1] || undefined;
  const query = /^route\.request\.querystring\.(.+)$/i.exec(source)?.[1];
  if (query) return event.queryStringParameters?.[query] || undefined;
  return "present"; // stage variables and context parameters: nothing in the host to check
}

/** IAM-style wildcard match (`*` any run, `?` one character). */
function matches(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(value);
}
