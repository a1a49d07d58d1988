import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SstApi } from "../../../stacks/sst-api";

// Runs stacks with SST's real components (the .sst/platform sources `sst install` generates) under
// Pulumi's own unit-test mocks (pulumi.runtime.setMocks): every AWS resource SST would create is
// recorded with its resolved inputs, nothing is deployed. SST's CLI services are stood in for by a
// loopback RPC server: "Runtime.Build" (esbuild of a handler) answers with a stub bundle and records
// the handler it was asked to build; "Provider.Aws.Bootstrap" names an asset bucket.

const root = join(import.meta.dirname, "..", "..", "..");
export const platform = join(root, ".sst", "platform");
export const hasSstPlatform = existsSync(join(platform, "src", "components", "index.ts")) && existsSync(join(platform, "node_modules", "@pulumi", "pulumi"));

export interface MockResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  id: string;
  state: Record<string, any>;
}
export interface Evaluated {
  resources: MockResource[];
  builds: { functionID: string; handler: string; runtime?: string }[];
  outputs: Record<string, unknown>;
}

let loaded: Promise<{ sst: SstApi; pulumi: any; resources: MockResource[]; builds: Evaluated["builds"]; close(): void }> | undefined;

async function load() {
  const out = mkdtempSync(join(tmpdir(), "sst-build-"));
  writeFileSync(join(out, "index.mjs"), "export const handler = async () => {};\n");
  const resources: MockResource[] = [];
  const builds: Evaluated["builds"] = [];
  const rpc = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const { method, params } = JSON.parse(body);
      let result: unknown = null;
      if (method === "Runtime.Build") {
        builds.push(params[0]);
        result = { handler: "index.handler", out, errors: [], sourcemaps: [] };
      }
      if (method === "Provider.Aws.Bootstrap")
        result = {
          asset: "sst-asset-bucket",
          assetEcrRegistryId: "123456789012",
          assetEcrUrl: "ecr",
          state: "sst-state",
          appsyncHttp: "",
          appsyncRealtime: "",
        };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ result, error: null }));
    });
  });
  await new Promise<void>((r) => rpc.listen(0, "127.0.0.1", r));
  process.env.SST_SERVER = `http://127.0.0.1:${(rpc.address() as AddressInfo).port}`;

  const pulumi = await import(join(platform, "node_modules/@pulumi/pulumi/index.js"));
  await pulumi.runtime.setMocks(
    {
      newResource(args: { type: string; name: string; inputs: Record<string, any> }) {
        const id = `${args.name}-id`;
        // Outputs AWS would compute, in their documented shapes.
        const state = {
          ...args.inputs,
          arn: `arn:aws:mock:eu-west-1:123456789012:${args.type.split(":")[1]}/${args.name}`,
          name: args.inputs.name ?? args.name,
          url: `https://sqs.eu-west-1.amazonaws.com/123456789012/${args.name}`,
          apiEndpoint: `${args.inputs.protocolType === "HTTP" ? "https" : "wss"}://${args.name}.execute-api.eu-west-1.amazonaws.com`,
          domainName: `${args.name.toLowerCase()}.cloudfront.net`, // a CloudFront distribution's
          executionArn: `arn:aws:execute-api:eu-west-1:123456789012:${args.name}`,
          invokeArn: `arn:aws:apigateway:eu-west-1:lambda:path/${args.name}/invocations`,
          bucket: args.inputs.bucket ?? args.name,
        };
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, id, state });
        return { id, state };
      },
      call(args: { token: string; inputs: Record<string, any> }) {
        switch (args.token) {
          case "aws:index/getRegion:getRegion":
            return { name: "eu-west-1", region: "eu-west-1", id: "eu-west-1" };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com" };
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/ci", userId: "ci" };
          case "aws:iam/getPolicyDocument:getPolicyDocument":
            return { json: JSON.stringify({ Version: "2012-10-17", Statement: args.inputs.statements ?? [] }), statements: args.inputs.statements };
          default:
            return {};
        }
      },
    },
    "ragline",
    "test",
    false,
  );

  // The globals SST's runtime shim defines for sst.config.ts.
  const g = globalThis as Record<string, unknown>;
  g.$app = { name: "ragline", stage: "test", removal: "remove", providers: { aws: {} }, protect: false };
  g.$dev = false;
  g.$cli = { command: "deploy", rpc: process.env.SST_SERVER, paths: { home: root, root, work: join(root, ".sst"), platform }, state: { version: {} } };
  const component = await import(join(platform, "src/components/component.ts"));
  const link = await import(join(platform, "src/components/link.ts"));
  Object.assign(g, {
    $util: pulumi,
    $output: pulumi.output,
    $apply: pulumi.apply,
    $resolve: pulumi.all,
    $interpolate: pulumi.interpolate,
    $concat: pulumi.concat,
    $jsonParse: pulumi.jsonParse,
    $jsonStringify: pulumi.jsonStringify,
    $transform: component.$transform,
    $asset: component.$asset,
    $linkable: link.Link.makeLinkable,
    $secrets: {},
  });
  const sst = (await import(join(platform, "src/components/index.ts"))) as unknown as SstApi;
  return {
    sst,
    pulumi,
    resources,
    builds,
    close: () => {
      rpc.close();
      rmSync(out, { recursive: true, force: true });
    },
  };
}

/** Evaluates `run(sst)` once with SST's real components under mocks; resolves when registrations settle. */
export async function evaluate(run: (sst: SstApi) => Record<string, unknown>): Promise<Evaluated & { close(): void }> {
  loaded ??= load();
  const env = await loaded;
  const outputsRaw = run(env.sst);
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(outputsRaw)) outputs[k] = await new Promise((r) => env.pulumi.output(v).apply(r));
  // Components register children asynchronously (functions only after SST's bootstrap call); wait
  // until nothing new has arrived for 3 s: on a loaded machine a single quiet 300 ms is not the end.
  let count = -1;
  let quiet = 0;
  while (quiet < 10) {
    const now = env.resources.length + env.builds.length;
    quiet = now === count ? quiet + 1 : 0;
    count = now;
    await new Promise((r) => setTimeout(r, 300));
  }
  return { resources: env.resources, builds: env.builds, outputs, close: env.close };
}
