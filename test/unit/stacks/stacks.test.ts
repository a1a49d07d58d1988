import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORS_EXPOSED, CORS_HEADERS, CORS_METHODS } from "../../../host/cors";
import { LINKS } from "../../../shared/adapters/aws/sst-links";
import { queueFunctions, topology, type FunctionDef, type Use } from "../../../shared/topology";
import { deploy } from "../../../stacks";
import { EDGE_HEADERS } from "../../../stacks/console-site";
import { DLQ_RETENTION_SECONDS } from "../../../stacks/queues";
import { deploySettingsFrom } from "../../../stacks/settings";
import { evaluate, hasSstPlatform, type Evaluated, type MockResource } from "./sst-mocks";

// The stacks evaluated with SST's real components under Pulumi's unit-test mocks (no AWS, nothing
// deployed; see sst-mocks.ts): every topology function is a Lambda on nodejs22.x wired to its
// trigger, every queue has a DLQ, nothing exists that the topology (or the ports' fixed
// infrastructure) does not name, each function is linked to exactly what it declares it uses and
// may not delete or reconfigure anything, secrets are links (never environment variables), and
// WebSocket $connect has its Lambda REQUEST authorizer. Needs `sst install` to have generated .sst/platform.

const SECRET = "1b47061264138c4ac30d75fd1eb44270"; // Pulumi's marker for a secret value
const unwrap = (v: any): any => (v && typeof v === "object" && Object.values(v).includes(SECRET) ? unwrap(v.value) : v);

describe.skipIf(!hasSstPlatform)("SST stacks from the topology (SST components under Pulumi mocks)", () => {
  let ev: Evaluated & { close(): void };
  const of = (type: string) => ev.resources.filter((r) => r.type === type);
  const named = (type: string, name: string) => of(type).find((r) => r.name === name);
  const arnOf = (r: MockResource | undefined) => r?.state.arn;
  const lambda = (fn: string) => named("aws:lambda/function:Function", `${LINKS.fn(fn)}Function`)!;

  beforeAll(async () => {
    for (const s of ["ElasticsearchUrl", "ElasticsearchApiKey", "WebhookSecret", "LlmApiKey", "ApiKeys"]) process.env[`SST_SECRET_${s}`] = `secret-${s}`;
    const settings = deploySettingsFrom("test", {
      RAGLINE_GENERATOR: "openai",
      RAGLINE_LLM_URL: "https://llm.internal/v1",
      RAGLINE_LLM_MODEL: "qwen",
      PATH: "/usr/bin",
    });
    ev = await evaluate((sst) => deploy(sst, settings));
  }, 120_000);
  afterAll(() => ev?.close());

  it("one Lambda per topology function, nodejs22.x, with the topology's handler, timeout and memory", () => {
    expect(
      of("sst:aws:Function")
        .map((r) => r.name)
        .sort(),
    ).toEqual(Object.keys(topology.functions).map(LINKS.fn).sort());
    for (const [name, def] of Object.entries(topology.functions)) {
      const fn = lambda(name);
      expect(fn.inputs).toMatchObject({ runtime: "nodejs22.x", timeout: def.timeoutSeconds, memorySize: def.memoryMB ?? 1024 });
      expect(ev.builds.find((b) => b.functionID === LINKS.fn(name))?.handler).toBe(`functions/${def.handler}.handler`);
    }
  });

  it("functions run with RAGLINE_BACKEND=aws, the forwarded model settings, auth required by default, and no secret in their environment", () => {
    for (const name of Object.keys(topology.functions)) {
      const vars = unwrap(lambda(name).inputs.environment).variables;
      expect(vars).toMatchObject({ RAGLINE_BACKEND: "aws", RAGLINE_GENERATOR: "openai", RAGLINE_LLM_URL: "https://llm.internal/v1", RAGLINE_AUTH: "required" });
      expect(vars.PATH).toBeUndefined(); // only RAGLINE_* settings are forwarded
      for (const secret of ["RAGLINE_LLM_API_KEY", "RAGLINE_WEBHOOK_SECRET", "RAGLINE_API_KEYS", "RAGLINE_ES_API_KEY"])
        expect(vars[secret], `${name} ${secret}`).toBeUndefined();
      expect(JSON.stringify(vars)).not.toMatch(/secret-/);
    }
  });

  // What each declared use must be linked to; the declaration in the topology is the only input.
  const expectedLinks = (uses: Use[]) =>
    uses
      .flatMap(
        (u) =>
          ({
            objects: [LINKS.bucket],
            queue: topology.queues.flatMap((q) => [LINKS.queue(q), LINKS.dlq(q)]),
            jobs: [LINKS.jobsTable],
            catalog: [LINKS.documentsTable],
            index: [LINKS.esUrl, LINKS.esApiKey],
            notifier: [LINKS.realtime],
            embedder: [],
            reranker: [],
            generator: ["LlmApiKey"],
            apiKeys: ["ApiKeys"],
            webhookSecret: ["WebhookSecret"],
            ocr: [] /* no RAGLINE_OCR_URL in this deploy: no OcrToken */,
          })[u],
      )
      .sort();

  it("each function is linked to exactly the resources and secrets its topology entry declares (least privilege), and builds only those ports", () => {
    for (const [name, def] of Object.entries(topology.functions)) {
      expect(def.uses, `${name} declares what it uses`).toBeDefined();
      // The API Gateway notifier finds a job's subscribers in the job store.
      if (def.uses!.includes("notifier")) expect(def.uses, name).toContain("jobs");
      const links = Object.keys((ev.builds.find((b) => b.functionID === LINKS.fn(name)) as unknown as { links: object }).links).sort();
      expect(links, name).toEqual(expectedLinks(def.uses!));
      const ports = def.uses!.filter((u) => ["objects", "queue", "jobs", "catalog", "index", "notifier"].includes(u));
      expect(unwrap(lambda(name).inputs.environment).variables.RAGLINE_PORTS, name).toBe(ports.length ? ports.join(",") : "none");
    }
    // Spot checks that the declarations mean something: the signing key and the LLM key stay where they are used.
    const holders = (link: string) =>
      Object.keys(topology.functions)
        .filter((n) => expectedLinks(topology.functions[n].uses!).includes(link))
        .sort();
    expect(holders("WebhookSecret")).toEqual(["http-queries", "webhook-deliver"]);
    expect(holders("LlmApiKey")).toEqual(["query-run", "query-run-long"]);
    expect(holders(LINKS.bucket)).not.toContain("ws-subscribe");
  });

  it("no function may delete, create or reconfigure a table, queue or bucket: links grant item-level actions only", () => {
    const roles = of("aws:iam/role:Role").filter((r) => /^Fn.*Role$/.test(r.name));
    expect(roles.length).toBe(Object.keys(topology.functions).length);
    const actions = new Set<string>();
    for (const role of roles) {
      for (const p of unwrap(role.inputs.inlinePolicies) ?? []) {
        for (const st of JSON.parse(unwrap(p.policy)).Statement) for (const a of [st.actions ?? st.Action].flat()) actions.add(a);
      }
    }
    expect([...actions].filter((a) => /\*|Delete(Table|Queue|Bucket)|Create|UpdateTable|SetQueueAttributes|PurgeQueue|PutBucket|DeleteBucket/.test(a))).toEqual(
      [],
    );
    expect([...actions]).toEqual(expect.arrayContaining(["dynamodb:Query", "sqs:ReceiveMessage", "s3:GetObject", "execute-api:ManageConnections"]));
  });

  it("WebSocket $connect has the topology's Lambda REQUEST authorizer; no other route has one", () => {
    const connect = topology.functions["ws-connect"].trigger as { authorizer: string };
    const [authorizer] = of("aws:apigatewayv2/authorizer:Authorizer");
    expect(of("aws:apigatewayv2/authorizer:Authorizer")).toHaveLength(1);
    expect({ ...authorizer.inputs, identitySources: unwrap(authorizer.inputs.identitySources) }).toMatchObject({
      authorizerType: "REQUEST",
      identitySources: (topology.functions[connect.authorizer].trigger as { identitySources: string[] }).identitySources,
    });
    expect(unwrap(authorizer.inputs.authorizerUri)).toContain(arnOf(lambda(connect.authorizer)));
    const wsRoutes = of("aws:apigatewayv2/route:Route").filter((r) => r.inputs.routeKey.startsWith("$") || r.inputs.routeKey === "subscribe");
    for (const r of wsRoutes) {
      if (r.inputs.routeKey === "$connect") expect(r.inputs).toMatchObject({ authorizationType: "CUSTOM", authorizerId: authorizer.id });
      else expect(r.inputs.authorizationType ?? "NONE").toBe("NONE");
    }
    // API Gateway may invoke the authorizer function.
    const permissions = of("aws:lambda/permission:Permission").filter((p) => unwrap(p.inputs.sourceArn)?.includes("/authorizers/"));
    expect(permissions.map((p) => unwrap(p.inputs.function))).toEqual([arnOf(lambda(connect.authorizer))]);
  });

  it("dead-letter queues keep messages 14 days (SQS's default is 4)", () => {
    for (const q of topology.queues) expect(named("aws:sqs/queue:Queue", `${LINKS.dlq(q)}Queue`)!.inputs.messageRetentionSeconds).toBe(DLQ_RETENTION_SECONDS);
    expect(DLQ_RETENTION_SECONDS).toBe(1_209_600);
  });

  it("every topology queue has a DLQ it redrives to after the consumer's maxReceives, and a visibility timeout above the function's", () => {
    const triggers = new Map(queueFunctions().map(([name, f]) => [f.trigger.queue, { ...f.trigger, fn: name, timeout: f.timeoutSeconds }]));
    expect(
      of("sst:aws:Queue")
        .map((r) => r.name)
        .sort(),
    ).toEqual(topology.queues.flatMap((q) => [LINKS.queue(q), LINKS.dlq(q)]).sort());
    for (const q of topology.queues) {
      const main = named("aws:sqs/queue:Queue", `${LINKS.queue(q)}Queue`)!;
      const dlq = named("aws:sqs/queue:Queue", `${LINKS.dlq(q)}Queue`)!;
      const t = triggers.get(q);
      expect(JSON.parse(main.inputs.redrivePolicy)).toEqual({ deadLetterTargetArn: arnOf(dlq), maxReceiveCount: t?.maxReceives ?? 5 });
      if (t) expect(main.inputs.visibilityTimeoutSeconds).toBe(t.visibilityTimeoutSeconds);
      if (t) expect(main.inputs.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(t.timeout);
    }
  });

  it("every queue function is subscribed to its queue: batch size, window, partial batch responses, max concurrency", () => {
    const mappings = of("aws:lambda/eventSourceMapping:EventSourceMapping");
    expect(mappings).toHaveLength(queueFunctions().length);
    for (const [name, def] of queueFunctions()) {
      const queueArn = arnOf(named("aws:sqs/queue:Queue", `${LINKS.queue(def.trigger.queue)}Queue`));
      const m = mappings.find((x) => x.inputs.eventSourceArn === queueArn)!;
      expect(unwrap(m.inputs.functionName)).toBe(arnOf(lambda(name)));
      expect(m.inputs).toMatchObject({
        batchSize: def.trigger.batchSize,
        functionResponseTypes: ["ReportBatchItemFailures"],
        maximumBatchingWindowInSeconds: def.trigger.batchWindowSeconds ?? 0,
        scalingConfig: { maximumConcurrency: Math.max(2, def.concurrency) },
      });
    }
  });

  it("the bucket notifies the ingest queue of created and removed objects", () => {
    const [n] = of("aws:s3/bucketNotification:BucketNotification");
    expect(n.inputs.queues).toEqual([
      {
        id: "IngestEvents",
        queueArn: arnOf(named("aws:sqs/queue:Queue", `${LINKS.queue(topology.bucket.notifications.queue)}Queue`)),
        events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
      },
    ]);
    expect(n.inputs.lambdaFunctions).toEqual([]);
    const policy = JSON.stringify(of("aws:sqs/queuePolicy:QueuePolicy").map((p) => unwrap(p.inputs.policy)));
    expect(policy).toContain("s3.amazonaws.com"); // S3 may send to it
  });

  it("the HTTP and WebSocket APIs have exactly the topology's routes, each integrated with its function", () => {
    const http = Object.entries(topology.functions).flatMap(([name, d]) => (d.trigger.kind === "http" ? d.trigger.routes.map((r) => [r, name] as const) : []));
    const ws = Object.entries(topology.functions).flatMap(([name, d]) => (d.trigger.kind === "websocket" ? [[d.trigger.route, name] as const] : []));
    const routes = of("aws:apigatewayv2/route:Route");
    const integrations = new Map(of("aws:apigatewayv2/integration:Integration").map((i) => [`integrations/${i.id}`, i]));
    // HTTP APIs integrate a function ARN; WebSocket APIs its invocation URI (…/functions/<arn>/invocations).
    const fnArn = (uri: string) => /\/functions\/(arn:.+)\/invocations$/.exec(uri)?.[1] ?? uri;
    const wired = routes.map((r) => [r.inputs.routeKey, fnArn(unwrap(integrations.get(r.inputs.target)?.inputs.integrationUri))]);
    expect(wired.sort()).toEqual([...http, ...ws].map(([route, fn]) => [route, arnOf(lambda(fn))]).sort());
    for (const [route] of http)
      expect(integrations.get(routes.find((r) => r.inputs.routeKey === route)!.inputs.target)!.inputs.payloadFormatVersion).toBe("2.0");
  });

  it("each scheduled function has an EventBridge rule with the topology's rate, targeting it", () => {
    const scheduled = Object.entries(topology.functions).filter(
      (e): e is [string, FunctionDef & { trigger: { kind: "schedule"; expression: string } }] => e[1].trigger.kind === "schedule",
    );
    expect(
      of("aws:cloudwatch/eventRule:EventRule")
        .map((r) => r.inputs.scheduleExpression)
        .sort(),
    ).toEqual(scheduled.map(([, d]) => d.trigger.expression).sort());
    for (const [name] of scheduled) {
      const target = named("aws:cloudwatch/eventTarget:EventTarget", `${LINKS.cron(name)}Target`)!;
      expect(unwrap(target.inputs.arn)).toBe(arnOf(lambda(name)));
    }
  });

  it("the tables have the key schema, sparse indexes and TTL the DynamoDB adapters use", () => {
    const jobs = named("aws:dynamodb/table:Table", `${LINKS.jobsTable}Table`)!.inputs;
    expect(jobs).toMatchObject({ hashKey: "pk", rangeKey: "sk", billingMode: "PAY_PER_REQUEST", ttl: { attributeName: "expiresAt", enabled: true } });
    expect(jobs.globalSecondaryIndexes.map((i: { name: string }) => i.name).sort()).toEqual(["active-by-caller", "working-by-tenant"]);
    const docs = named("aws:dynamodb/table:Table", `${LINKS.documentsTable}Table`)!.inputs;
    expect(docs.hashKey).toBe("key");
    expect(docs.globalSecondaryIndexes.map((i: { name: string }) => i.name).sort()).toEqual(["by-hash", "by-key", "by-status"]);
  });

  it("defines nothing the topology does not name, besides the ports' fixed infrastructure", () => {
    const top = ev.resources.filter((r) =>
      [
        "sst:aws:Bucket",
        "sst:aws:Dynamo",
        "sst:aws:Queue",
        "sst:aws:Function",
        "sst:aws:ApiGatewayV2",
        "sst:aws:ApiGatewayWebSocket",
        "sst:aws:Cron",
        "sst:sst:Secret",
      ].includes(r.type),
    );
    const fromTopology = [
      ...Object.keys(topology.functions).map(LINKS.fn),
      ...topology.queues.flatMap((q) => [LINKS.queue(q), LINKS.dlq(q)]),
      ...Object.entries(topology.functions)
        .filter(([, d]) => d.trigger.kind === "schedule")
        .map(([n]) => LINKS.cron(n)),
    ];
    const fixed = [
      LINKS.bucket,
      LINKS.jobsTable,
      LINKS.documentsTable,
      "Api",
      LINKS.realtime,
      LINKS.esUrl,
      LINKS.esApiKey,
      "WebhookSecret",
      "LlmApiKey",
      "ApiKeys",
      "ConsoleSiteAssets" /* the console's files */,
    ];
    expect(top.map((r) => r.name).sort()).toEqual([...fromTopology, ...fixed].sort());
    // Every Lambda function is one of the topology's: no route or schedule made its own.
    expect(of("aws:lambda/function:Function")).toHaveLength(Object.keys(topology.functions).length);
  });

  it("the web console is a static site on its own CloudFront Router, its config.json naming the HTTP API's and the WebSocket API's URLs", () => {
    expect(of("sst:aws:Router").map((r) => r.name)).toEqual(["Console"]);
    expect(of("sst:aws:StaticSite").map((r) => r.name)).toEqual(["ConsoleSite"]);
    const distribution = named("aws:cloudfront/distribution:Distribution", "ConsoleCdnDistribution")!;
    expect(ev.outputs.console).toBe(`https://${distribution.state.domainName}`);
    // The two URLs as deployed (the APIs' outputs), written where the site's files are taken from.
    expect(ev.outputs.api).toBe(`https://${named("aws:apigatewayv2/api:Api", "ApiApi")!.name}.execute-api.eu-west-1.amazonaws.com`);
    expect(ev.outputs.realtime).toMatch(/^wss:\/\/RealtimeApi\.execute-api\..+\/\$default$/);
    const config = JSON.parse(readFileSync(join(process.cwd(), ".sst", "console-site", "test", "console", "config.json"), "utf8"));
    expect(config).toEqual({ apiUrl: ev.outputs.api, webSocketUrl: ev.outputs.realtime });
    // What is uploaded: the page, the console's modules, that config, pdf.js; nothing cached as immutable (no file name has a hash).
    const files = unwrap(named("pulumi-nodejs:dynamic:Resource", "ConsoleSiteAssetFiles.sst.aws.BucketFiles")!.inputs.files) as {
      key: string;
      source: string;
      cacheControl: string;
    }[];
    expect(files.map((f) => f.key)).toEqual(
      expect.arrayContaining([
        "index.html",
        "console/app.js",
        "console/lib/config.js",
        "console/config.json",
        "console/vendor/pdfjs/pdf.min.mjs",
        "console/vendor/pdfjs/pdf.worker.min.mjs",
      ]),
    );
    expect(JSON.parse(readFileSync(files.find((f) => f.key === "console/config.json")!.source, "utf8"))).toEqual(config);
    expect(new Set(files.map((f) => f.cacheControl))).toEqual(new Set(["max-age=0,no-cache"]));
    expect(readFileSync(files.find((f) => f.key === "index.html")!.source, "utf8")).toContain(
      `connect-src 'self' ${new URL(ev.outputs.api as string).origin} ${new URL(ev.outputs.realtime as string).origin};`,
    );
    // The Router adds the headers a <meta> policy cannot give: not framed, no sniffing, no referrer.
    const response = named("aws:cloudfront/function:Function", "ConsoleCloudfrontFunctionResponse")!;
    for (const [k, v] of Object.entries(EDGE_HEADERS))
      expect(response.inputs.code).toContain(`event.response.headers[${JSON.stringify(k)}] = { value: ${JSON.stringify(v)} };`);
    expect(distribution.inputs.defaultCacheBehavior.functionAssociations).toEqual(
      expect.arrayContaining([{ eventType: "viewer-response", functionArn: response.state.arn }]),
    );
  });

  it("the HTTP API allows CORS from the console's origin only (not *), with the headers the console sends, as the host does", () => {
    const cors = named("aws:apigatewayv2/api:Api", "ApiApi")!.inputs.corsConfiguration;
    expect(unwrap(cors.allowOrigins)).toEqual([ev.outputs.console]);
    expect(cors.allowCredentials).toBeUndefined();
    expect(cors).toMatchObject({ allowMethods: CORS_METHODS, allowHeaders: CORS_HEADERS, exposeHeaders: CORS_EXPOSED, maxAge: 600 });
    expect(cors.allowHeaders).toEqual(expect.arrayContaining(["x-api-key", "authorization"]));
    // The documents bucket takes the console's presigned PUT from that origin only, with the headers the URL signs,
    // and its GET of a large document (a 303 from ?content, followed with the request's x-api-key).
    const bucketCors = of("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration").find((r) => r.name === `${LINKS.bucket}Cors`)!;
    expect(unwrap(bucketCors.inputs.corsRules)).toEqual([
      expect.objectContaining({
        allowedOrigins: [ev.outputs.console],
        allowedMethods: ["PUT", "GET"],
        allowedHeaders: ["content-type", "x-amz-meta-*", "x-api-key"],
      }),
    ]);
    // The WebSocket API has no CORS (browsers do not ask): the key goes there as ?token= on $connect, checked by the authorizer.
    expect(named("aws:apigatewayv2/api:Api", "RealtimeApi")!.inputs.corsConfiguration).toBeUndefined();
  });

  it("HTTP and WebSocket functions carry the topology's concurrency as reserved concurrency; queue functions do not", () => {
    for (const [name, def] of Object.entries(topology.functions)) {
      const reserved = lambda(name).inputs.reservedConcurrentExecutions;
      if (def.trigger.kind === "queue") expect(reserved).toBeUndefined();
      else expect(reserved).toBe(def.concurrency);
    }
  });
});

describe("deploy settings", () => {
  it("auth is required on AWS unless a deployment turns it off explicitly; the key store is then a secret", () => {
    expect(deploySettingsFrom("prod", {})).toMatchObject({ environment: { RAGLINE_AUTH: "required" }, secretKeys: ["RAGLINE_API_KEYS"] });
    const off = deploySettingsFrom("dev", { RAGLINE_AUTH: "off" });
    expect(off.environment!.RAGLINE_AUTH).toBe("off");
    expect(off.secretKeys).not.toContain("RAGLINE_API_KEYS");
  });
});
