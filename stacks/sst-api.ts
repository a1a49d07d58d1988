// The part of SST's `sst` namespace the stacks use, typed structurally. The stacks receive it as an
// argument: sst.config.ts passes the real one (and checks there, against SST's generated types,
// that it fits and that these arguments are valid SST arguments); the stack tests pass SST's real
// components under Pulumi mocks. The root type check needs no generated types.

/**
 * A Pulumi Output, opaque here (the stacks only pass outputs on). sst.config.ts merges Pulumi's
 * OutputInstance into it, so the SST type check compares the real thing.
 */
export interface Out<T> {
  readonly __output?: T;
}
export type Input<T> = T | Out<T>;

export type Seconds = `${number} seconds`;

export interface FunctionArgs {
  handler: string;
  description?: string;
  runtime: "nodejs22.x";
  timeout: Seconds;
  memory: `${number} MB`;
  link: unknown[];
  environment: Record<string, Input<string>>;
  concurrency?: { reserved: number };
  nodejs?: { install?: string[] };
}

export interface FunctionLike {
  arn: Out<string>;
  name: Out<string>;
}

export interface QueueArgs {
  visibilityTimeout?: Seconds;
  dlq?: { queue: Input<string>; retry: number };
  transform?: { queue?: { messageRetentionSeconds?: number } };
}
export interface QueueSubscriberArgs {
  batch?: { size?: number; window?: Seconds; partialResponses?: boolean };
  /** Merged into the event source mapping's arguments. */
  transform?: { eventSourceMapping?: { scalingConfig?: { maximumConcurrency: number } } };
}
export interface QueueLike {
  arn: Out<string>;
  url: Out<string>;
  subscribe(subscriber: Input<string>, args?: QueueSubscriberArgs): unknown;
}

export interface BucketNotification {
  name: string /** The queue's ARN. */;
  queue: Input<string>;
  events: ("s3:ObjectCreated:*" | "s3:ObjectRemoved:*")[];
}
/** CORS of the documents bucket (the console's presigned uploads). */
export interface BucketArgs {
  cors: { allowOrigins: Input<string>[]; allowMethods: ("PUT" | "GET")[]; allowHeaders: string[]; maxAge: `${number} seconds` };
}
export interface BucketLike {
  name: Out<string>;
  arn: Out<string>;
  notify(args: { notifications: BucketNotification[] }): unknown;
}

export interface DynamoArgs {
  fields: Record<string, "string" | "number" | "binary">;
  primaryIndex: { hashKey: string; rangeKey?: string };
  globalIndexes?: Record<string, { hashKey: string; rangeKey?: string; projection?: "all" | "keys-only" }>;
  ttl?: string;
}
export interface DynamoLike {
  name: Out<string>;
  arn: Out<string>;
}

export interface HttpApiLike {
  url: Out<string>;
  route(route: string, handler: Input<string>): unknown;
}
/** CORS of the HTTP API (API Gateway answers preflights itself). */
export interface HttpApiArgs {
  cors: {
    allowOrigins: Input<string>[];
    allowMethods: ("GET" | "HEAD" | "POST" | "PUT" | "DELETE")[];
    allowHeaders: string[];
    exposeHeaders: string[];
    maxAge: `${number} seconds`;
  };
}
/** A CloudFront Router (opaque here; sst.config.ts makes it SST's Router for the type check), and its URL. */
export interface RouterLike {
  url: RouterUrl;
}
/** Code CloudFront runs on each answer (a CloudFront Function body; `event.response` is the answer). */
export interface RouterArgs {
  edge: { viewerResponse: { injection: string } };
}
export interface RouterUrl extends Out<string> {}
export interface StaticSiteArgs {
  path: Input<string>;
  router: { instance: Input<RouterLike> };
  assets: { fileOptions: { files: string; cacheControl: string }[] };
}
/** A Lambda REQUEST authorizer on the WebSocket API (used by its $connect route). */
export interface WsAuthorizerArgs {
  lambda: { function: Input<string>; identitySources?: string[] };
}
export interface WsRouteArgs {
  auth?: { lambda?: Input<string> };
}
export interface WebSocketApiLike {
  url: Out<string>;
  managementEndpoint: Out<string>;
  route(route: string, handler: Input<string>, args?: WsRouteArgs): unknown;
  addAuthorizer(name: string, args: WsAuthorizerArgs): { id: Out<string> };
}
export interface CronArgs {
  schedule: `rate(${string})` | `cron(${string})`;
  function: Input<string>;
}
export interface SecretLike {
  value: Out<string>;
}
/** What linking a resource gives a function: properties readable through `Resource`, and IAM permissions. */
export interface LinkDefinition {
  properties: Record<string, unknown>;
  include?: unknown[];
}
export interface PermissionArgs {
  actions: string[];
  resources: Input<string>[];
}

export interface SstApi {
  aws: {
    Bucket: new (name: string, args?: BucketArgs) => BucketLike;
    Queue: new (name: string, args?: QueueArgs) => QueueLike;
    Dynamo: new (name: string, args: DynamoArgs) => DynamoLike;
    Function: new (name: string, args: FunctionArgs) => FunctionLike;
    ApiGatewayV2: new (name: string, args?: HttpApiArgs) => HttpApiLike;
    Router: new (name: string, args: RouterArgs) => RouterLike;
    StaticSite: new (name: string, args: StaticSiteArgs) => { url: Out<string> };
    ApiGatewayWebSocket: new (name: string) => WebSocketApiLike;
    Cron: new (name: string, args: CronArgs) => unknown;
    permission: (args: PermissionArgs) => unknown;
  };
  Secret: new (name: string, placeholder?: string) => SecretLike;
  /** Replaces how every instance of a component class links (used to narrow SST's `dynamodb:*`, `sqs:*`, `s3:*`). */
  Linkable: { wrap<R>(cls: new (...args: any[]) => R, cb: (resource: R) => LinkDefinition): void };
}
