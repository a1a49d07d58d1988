/// <reference path="./.sst/platform/config.d.ts" />

// Thin: the resources are in stacks/, built from the topology. `sst install` generates the types
// this file is checked against (npm run typecheck:sst); deploying needs AWS credentials.

export default $config({
  app(input) {
    // Stages whose data outlives `sst remove` and whose resources are protected: RAGLINE_PROTECTED_STAGES
    // (comma-separated), by default the names the docs deploy with (prod) and "production".
    const protectedStages = (process.env.RAGLINE_PROTECTED_STAGES ?? "prod,production")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const isProtected = protectedStages.includes(input?.stage ?? "");
    return { name: "ragline", removal: isProtected ? "retain" : "remove", protect: isProtected, home: "aws" };
  },
  async run() {
    const [{ deploy }, { deploySettingsFrom }] = await Promise.all([import("./stacks"), import("./stacks/settings")]);
    return deploy(sst, deploySettingsFrom($app.stage, process.env), undefined, $cli.paths.root);
  },
});

declare module "./stacks/sst-api" {
  // In this check, the stacks' opaque outputs are Pulumi's.
  interface Out<T> extends $util.OutputInstance<T> {}
  // ...and the console's Router is SST's.
  interface RouterLike extends sst.aws.Router {}
  interface RouterUrl extends $util.Output<string> {}
}

// Compile-time checks against SST's generated types (never run): the stacks' view of SST fits the
// real namespace, and the arguments the stacks build are valid arguments of SST's components.
type Sst = typeof sst;
type Check<A, B extends A> = [A, B];
export type SstTypeChecks = [
  Check<import("./stacks/sst-api").SstApi, Sst>,
  Check<NonNullable<ConstructorParameters<Sst["aws"]["Queue"]>[1]>, import("./stacks/sst-api").QueueArgs>,
  Check<ConstructorParameters<Sst["aws"]["Dynamo"]>[1], import("./stacks/sst-api").DynamoArgs>,
  Check<ConstructorParameters<Sst["aws"]["Function"]>[1], import("./stacks/sst-api").FunctionArgs>,
  Check<ConstructorParameters<Sst["aws"]["Cron"]>[1], import("./stacks/sst-api").CronArgs>,
  Check<NonNullable<ConstructorParameters<Sst["aws"]["ApiGatewayV2"]>[1]>, import("./stacks/sst-api").HttpApiArgs>,
  Check<NonNullable<ConstructorParameters<Sst["aws"]["StaticSite"]>[1]>, import("./stacks/sst-api").StaticSiteArgs>,
  Check<NonNullable<ConstructorParameters<Sst["aws"]["Router"]>[1]>, import("./stacks/sst-api").RouterArgs>,
  Check<NonNullable<ConstructorParameters<Sst["aws"]["Bucket"]>[1]>, import("./stacks/sst-api").BucketArgs>,
  Check<NonNullable<Parameters<InstanceType<Sst["aws"]["Queue"]>["subscribe"]>[1]>, import("./stacks/sst-api").QueueSubscriberArgs>,
  Check<Parameters<InstanceType<Sst["aws"]["Bucket"]>["notify"]>[0], { notifications: import("./stacks/sst-api").BucketNotification[] }>,
  Check<NonNullable<Parameters<InstanceType<Sst["aws"]["ApiGatewayWebSocket"]>["route"]>[2]>, import("./stacks/sst-api").WsRouteArgs>,
  Check<Parameters<InstanceType<Sst["aws"]["ApiGatewayWebSocket"]>["addAuthorizer"]>[1], import("./stacks/sst-api").WsAuthorizerArgs>,
  Check<Parameters<Sst["aws"]["permission"]>[0], import("./stacks/sst-api").PermissionArgs>,
];
