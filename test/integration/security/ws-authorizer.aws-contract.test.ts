import { randomUUID } from "node:crypto";
import type { APIGatewayAuthorizerResult, APIGatewayProxyWebsocketEventV2, APIGatewayRequestAuthorizerEvent, Context as LambdaContext } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler as authorizeHandler } from "../../../functions/ws/authorize";
import { handler as connectHandler } from "../../../functions/ws/connect";
import { handler as subscribeHandler } from "../../../functions/ws/subscribe";
import { authorize } from "../../../host/websocket-authorizer";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, setContext } from "../../../shared/runtime/context";
import { topology } from "../../../shared/topology";
import { tempDir } from "../../helpers/tmp";

// The WebSocket $connect contract of API Gateway, driven with the events it documents, through the
// handler modules the stacks deploy (the topology's ws-authorize, ws-connect, ws-subscribe):
// 1. a Lambda REQUEST authorizer gets the upgrade request (docs: "Control access to WebSocket APIs with
//    AWS Lambda REQUEST authorizers", example input) and answers an IAM policy + principalId + context;
// 2. API Gateway passes that context as requestContext.authorizer to $connect and every later route.
// What stands in for API Gateway between the calls is this test (and, for judging the answer, the
// host's emulation, host/websocket-authorizer.ts). Frames go to an in-process notifier sink.

const KEYS = [
  { key: "alice-key-0123456789abcdef", tenant: "acme", subject: "alice", groups: ["hr"], roles: ["reader", "writer"] },
  { key: "bob-key-0123456789abcdef00", tenant: "acme", subject: "bob", groups: ["eng"], roles: ["reader"] },
];
const API = "abcdef123";
const METHOD_ARN = `arn:aws:execute-api:us-east-1:123456789012:${API}/default/$connect`;

/** The documented input of a WebSocket REQUEST authorizer, with the caller's headers and query string. */
function authorizerInput(connectionId: string, headers: Record<string, string> = {}, query?: Record<string, string>): APIGatewayRequestAuthorizerEvent {
  const base = {
    Connection: "upgrade",
    "content-length": "0",
    Host: `${API}.execute-api.us-east-1.amazonaws.com`,
    "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    Upgrade: "websocket",
    "X-Amzn-Trace-Id": "Root=1-5fd5ea4b-35d888b22f86c62d26beae28",
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Proto": "https",
    ...headers,
  };
  return {
    type: "REQUEST",
    methodArn: METHOD_ARN,
    headers: base,
    multiValueHeaders: Object.fromEntries(Object.entries(base).map(([k, v]) => [k, [v]])),
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: query ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
    stageVariables: null,
    requestContext: {
      routeKey: "$connect",
      eventType: "CONNECT",
      extendedRequestId: "XfGLwFTktjMFsLg=",
      requestTime: "13/Dec/2020:10:17:47 +0000",
      messageDirection: "IN",
      stage: "default",
      connectedAt: 1607854667185,
      requestTimeEpoch: 1607854667186,
      identity: { userAgent: null, sourceIp: "203.0.113.7" },
      requestId: "XfGLwFTktjMFsLg=",
      domainName: `${API}.execute-api.us-east-1.amazonaws.com`,
      connectionId,
      apiId: API,
    },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

/** A WebSocket route event as API Gateway sends it after an authorizer allowed the connection. */
function routeEvent(routeKey: string, connectionId: string, authorizer: Record<string, unknown>, body?: string): APIGatewayProxyWebsocketEventV2 {
  return {
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
    requestContext: {
      routeKey,
      eventType: routeKey === "$connect" ? "CONNECT" : "MESSAGE",
      authorizer,
      messageId: routeKey === "$connect" ? null : "HEJvQdEmoAMCJPQ=",
      extendedRequestId: "HEJvQHXKoAMEi7A=",
      requestTime: "07/Mar/2025:16:47:42 +0000",
      messageDirection: "IN",
      stage: "default",
      connectedAt: 1741365800627,
      requestTimeEpoch: 1741366062027,
      identity: { sourceIp: "203.0.113.7" },
      requestId: "HEJvQHXKoAMEi7A=",
      domainName: `${API}.execute-api.us-east-1.amazonaws.com`,
      connectionId,
      apiId: API,
    },
  } as unknown as APIGatewayProxyWebsocketEventV2;
}

const lambda = { functionName: "test", awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 5000 } as unknown as LambdaContext;

describe("WebSocket $connect on AWS: REQUEST authorizer → requestContext.authorizer → subscribe (documented event shapes, deployed handler modules)", () => {
  const t = tempDir();
  const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_AUTH: "required", RAGLINE_API_KEYS: JSON.stringify(KEYS) }));
  const frames = new Map<string, { type: string; seq?: number; error?: { code: string } }[]>();
  const open = (connectionId: string) =>
    ctx.notifier.attach(connectionId, { send: (f) => (frames.set(connectionId, [...(frames.get(connectionId) ?? []), JSON.parse(f)]), true) });
  let aliceJob: string;

  beforeAll(async () => {
    setContext(ctx);
    aliceJob = randomUUID();
    await ctx.jobs.create(aliceJob, { question: "When does the cafeteria open?", principal: { tenant: "acme", subject: "alice", groups: ["hr"] } });
    await ctx.jobs.appendEvent(aliceJob, "stage", { stage: "retrieve", status: "finished" });
    await ctx.jobs.transition(aliceJob, ["pending"], "working");
    await ctx.jobs.appendEvent(aliceJob, "done", { answer: "At eight." });
    await ctx.jobs.transition(aliceJob, ["working"], "completed");
  });
  afterAll(async () => {
    setContext(undefined);
    await ctx.close();
    t.cleanup();
  });

  it("the stacks deploy these modules: ws-connect names ws-authorize as its authorizer", () => {
    expect(topology.functions["ws-connect"].trigger).toMatchObject({ kind: "websocket", route: "$connect", authorizer: "ws-authorize" });
    expect(topology.functions["ws-authorize"]).toMatchObject({ handler: "ws/authorize", trigger: { kind: "authorizer" } });
    expect(topology.functions["ws-subscribe"].handler).toBe("ws/subscribe");
  });

  it("an API key header → an Allow policy for the route, a principalId, and the principal in a context of string values", async () => {
    const res = (await authorizeHandler(authorizerInput("c-alice", { "x-api-key": KEYS[0].key }), lambda)) as APIGatewayAuthorizerResult;
    expect(res.principalId).toBe("acme/alice");
    expect(res.policyDocument).toEqual({ Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: METHOD_ARN }] });
    expect(Object.values(res.context!).every((v) => ["string", "number", "boolean"].includes(typeof v))).toBe(true);
    expect(JSON.parse(res.context!.principal as string)).toMatchObject({ tenant: "acme", subject: "alice", groups: ["hr"] });
  });

  it("authorize → connect → subscribe to the caller's own job streams it; another principal's job is not_found", async () => {
    const connectAs = async (connectionId: string, input: APIGatewayRequestAuthorizerEvent) => {
      // API Gateway's judgement of the answer, as the host emulates it: 200 and the authorizer context.
      const outcome = await authorize([], input, (e) => authorizeHandler(e, lambda));
      expect(outcome.status).toBe(200);
      const authorizer = (outcome as { authorizer: Record<string, unknown> }).authorizer;
      expect(await connectHandler(routeEvent("$connect", connectionId, authorizer), lambda)).toMatchObject({ statusCode: 200 });
      open(connectionId);
      return authorizer;
    };
    const alice = await connectAs("c-alice", authorizerInput("c-alice", { "x-api-key": KEYS[0].key }));
    const bob = await connectAs("c-bob", authorizerInput("c-bob", {}, { token: KEYS[1].key })); // browsers: ?token=

    await subscribeHandler(routeEvent("subscribe", "c-alice", alice, JSON.stringify({ action: "subscribe", jobId: aliceJob, afterSeq: 0 })), lambda);
    expect(frames.get("c-alice")!.map((f) => [f.type, f.seq])).toEqual([
      ["stage", 1],
      ["done", 2],
    ]);

    await subscribeHandler(routeEvent("subscribe", "c-bob", bob, JSON.stringify({ action: "subscribe", jobId: aliceJob, afterSeq: 0 })), lambda);
    expect(frames.get("c-bob")!.map((f) => [f.type, f.error?.code])).toEqual([["error", "not_found"]]);
  });

  it('no key, an unknown key or an unknown token: the authorizer fails with "Unauthorized", which API Gateway answers 401', async () => {
    for (const input of [
      authorizerInput("c-none"),
      authorizerInput("c-bad", { "x-api-key": "not-a-key" }),
      authorizerInput("c-bad2", {}, { token: "not-a-token" }),
    ]) {
      await expect(authorizeHandler(input, lambda)).rejects.toThrow(/^Unauthorized$/);
      expect(await authorize([], input, (e) => authorizeHandler(e, lambda))).toMatchObject({ status: 401 });
    }
  });

  it("a route event without an authorizer context is refused when auth is required (never an anonymous follower)", async () => {
    open("c-none");
    await subscribeHandler(routeEvent("subscribe", "c-none", {}, JSON.stringify({ action: "subscribe", jobId: aliceJob })), lambda);
    expect(frames.get("c-none")!.map((f) => [f.type, f.error?.code])).toEqual([["error", "unauthorized"]]);
  });

  it("the host judges an authorizer's answer as API Gateway does: Deny 403, malformed 500, missing identity source 401 without a call", async () => {
    const input = authorizerInput("c-x", { "x-api-key": KEYS[0].key });
    const answer =
      (effect: string, resource = METHOD_ARN, context: Record<string, unknown> = {}) =>
      async () => ({
        principalId: "p",
        policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: resource }] },
        context,
      });
    expect(await authorize([], input, answer("Deny"))).toMatchObject({ status: 403 });
    expect(await authorize([], input, answer("Allow", "arn:aws:execute-api:us-east-1:123456789012:other/*"))).toMatchObject({ status: 403 });
    expect(await authorize([], input, answer("Allow", `arn:aws:execute-api:us-east-1:123456789012:${API}/*`, { n: 1, ok: true }))).toMatchObject({
      status: 200,
      authorizer: { principalId: "p", n: 1, ok: true },
    });
    expect(await authorize([], input, answer("Allow", METHOD_ARN, { nested: { no: 1 } }))).toMatchObject({ status: 500 });
    expect(
      await authorize([], input, async () => {
        throw new Error("boom");
      }),
    ).toMatchObject({ status: 500 });
    let called = false;
    expect(
      await authorize(["route.request.querystring.token"], input, async () => {
        called = true;
        return answer("Allow")();
      }),
    ).toMatchObject({ status: 401 });
    expect(called).toBe(false);
    expect(await authorize(["route.request.header.X-Api-Key"], input, answer("Allow"))).toMatchObject({ status: 200 });
  });
});
