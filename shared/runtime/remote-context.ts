import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { ApiGatewayNotifier } from "../adapters/aws/apigateway-notifier";
import type { DynamoDbDocumentCatalog } from "../adapters/aws/dynamodb-document-catalog";
import type { DynamoDbJobStore } from "../adapters/aws/dynamodb-job-store";
import type { S3ObjectStore } from "../adapters/aws/s3-object-store";
import type { SqsQueue } from "../adapters/aws/sqs-queue";
import { FolderObjectStore } from "../adapters/embedded/folder-object-store";
import { LocalNotifier } from "../adapters/embedded/local-notifier";
import { SqliteDocumentCatalog } from "../adapters/embedded/sqlite-document-catalog";
import { SqliteJobStore } from "../adapters/embedded/sqlite-job-store";
import { SqliteQueue } from "../adapters/embedded/sqlite-queue";
import { SqliteSearchIndex } from "../adapters/embedded/sqlite-search-index";
import type { EsSearchIndex } from "../adapters/elasticsearch/es-search-index";
import { logger } from "../observability/logger";
import type { DocumentCatalog, JobStore, Notifier, ObjectStore, Queue, SearchIndex } from "../ports";
import { queueFunctions, topology } from "../topology";
import type { Config } from "./config";
import { settingsFrom } from "./settings";
import { buildsPort, resolveBackends, type ResolvedBackends } from "./config-backends";
import type { Context } from "./context-types";
import { createModelPorts } from "./models";

export { usesRemotePorts } from "./config-backends";

// The Context for RAGLINE_BACKEND=aws|onprem, or any mix set port by port (RAGLINE_QUEUE=sqs, ...).
// Service-backed adapters are loaded on first use (every port method is async): the AWS SDKs and
// the Elasticsearch client cost ~0.45 s to import, which an embedded start should not pay, and a
// Lambda function loads only the SDKs it touches. With RAGLINE_PROVISION the bucket, queues with
// their DLQs, tables and index are created first, and every call waits for that.

export interface RemoteContext extends Context {
  backends: ResolvedBackends;
  /** Settles once the service-backed adapters are loaded and (with RAGLINE_PROVISION) provisioning is done. */
  ready: Promise<void>;
}

interface Loaded {
  objects?: S3ObjectStore;
  queue?: SqsQueue;
  jobs?: JobStore;
  catalog?: DocumentCatalog;
  index?: EsSearchIndex;
  notifier?: Notifier;
  dynamo?: DynamoDBClient;
}

export function createRemoteContext(config: Config): RemoteContext {
  const b = resolveBackends(config, undefined, topology.queues);
  const db = (name: string) => join(config.dataDir, "state", name);
  const closers: (() => void)[] = [];
  const track = <T extends { close(): void }>(port: T): T => (closers.push(() => port.close()), port);

  const loaded: Loaded = {};
  const localJobs = b.jobs === "sqlite" ? track(new SqliteJobStore(db("jobs.db"))) : undefined;
  const load = loadAdapters(b, config, loaded, localJobs).then(() => (b.provision ? provision(b, loaded) : undefined));
  load.catch((err) => logger.error("backends failed to start", { error: err as Error }));
  const ready = load.then(() => undefined);
  const lazy = <T extends object>(name: string, methods: readonly string[], pick: () => T | undefined): T => deferred(name, methods, ready, pick);

  const objects: ObjectStore =
    b.objects === "s3"
      ? lazy(`s3://${b.s3.bucket}`, PORT_METHODS.objects, () => loaded.objects)
      : new FolderObjectStore(config.bucketDir, join(config.dataDir, "tmp"));
  const queue: Queue = b.queue === "sqs" ? lazy("sqs", PORT_METHODS.queue, () => loaded.queue) : track(new SqliteQueue(db("queue.db")));
  const jobs: JobStore = localJobs ?? lazy("dynamodb-job-store", PORT_METHODS.jobs, () => loaded.jobs);
  const catalog: DocumentCatalog =
    b.catalog === "dynamodb"
      ? lazy("dynamodb-document-catalog", PORT_METHODS.catalog, () => loaded.catalog)
      : track(new SqliteDocumentCatalog(db("documents.db")));
  const index: SearchIndex =
    b.index === "elasticsearch" ? lazy("elasticsearch", PORT_METHODS.index, () => loaded.index) : track(new SqliteSearchIndex(db("index.db")));
  // The host holds WebSockets itself (LocalNotifier); on AWS, API Gateway does.
  const local = b.notifier === "local" ? new LocalNotifier(jobs) : undefined;
  const notifier: Notifier = local ?? lazy("apigateway-websocket", PORT_METHODS.notifier, () => loaded.notifier);

  return {
    config,
    settings: settingsFrom(config),
    backends: b,
    ready,
    bucket: b.s3.bucket ?? topology.bucket.name,
    objects,
    queue,
    jobs,
    catalog,
    index,
    notifier,
    ...createModelPorts(config),
    async close() {
      local?.close();
      for (const c of closers) c();
      await load.catch(() => undefined);
      loaded.objects?.client.destroy();
      loaded.queue?.client.destroy();
      loaded.dynamo?.destroy();
      await loaded.index?.client.close();
    },
  };
}

/** Imports and builds the service-backed adapters the configuration names, sharing one client per service. */
async function loadAdapters(b: ResolvedBackends, config: Config, out: Loaded, localJobs?: JobStore): Promise<void> {
  const region = b.aws.region ? { region: b.aws.region } : {};
  // Off AWS (an endpoint is set) the region is a formality; on AWS the SDK's chain supplies it.
  const base = (endpoint?: string) =>
    endpoint ? { region: b.aws.region ?? "us-east-1", credentials: b.aws.credentials, endpoint } : { ...region, credentials: b.aws.credentials };
  if (b.objects === "s3" && buildsPort(b, "objects")) {
    const { S3ObjectStore } = await import("../adapters/aws/s3-object-store");
    out.objects = new S3ObjectStore({ bucket: b.s3.bucket!, clientConfig: { ...base(b.s3.endpoint), forcePathStyle: b.s3.forcePathStyle } });
  }
  if (b.queue === "sqs" && buildsPort(b, "queue")) {
    const [{ SqsQueue }, { SQSClient }] = await Promise.all([import("../adapters/aws/sqs-queue"), import("@aws-sdk/client-sqs")]);
    out.queue = new SqsQueue({ client: new SQSClient(base(b.sqs.endpoint)), prefix: b.sqs.prefix, urls: b.sqs.urls });
  }
  const jobs = b.jobs === "dynamodb" && buildsPort(b, "jobs"),
    catalog = b.catalog === "dynamodb" && buildsPort(b, "catalog");
  if (jobs || catalog) {
    const [{ DynamoDBClient }, { DynamoDbJobStore }, { DynamoDbDocumentCatalog }] = await Promise.all([
      import("@aws-sdk/client-dynamodb"),
      import("../adapters/aws/dynamodb-job-store"),
      import("../adapters/aws/dynamodb-document-catalog"),
    ]);
    out.dynamo = new DynamoDBClient(base(b.dynamodb.endpoint));
    // A DynamoDB-compatible server on-prem (an endpoint) may lack TTL: offer the scheduled purge there.
    if (jobs)
      out.jobs = new DynamoDbJobStore({
        table: b.dynamodb.jobsTable,
        client: out.dynamo,
        ttlHours: config.RAGLINE_JOB_TTL_HOURS,
        scanPurge: !!b.dynamodb.endpoint,
      });
    if (catalog) out.catalog = new DynamoDbDocumentCatalog({ table: b.dynamodb.documentsTable, client: out.dynamo });
  }
  if (b.index === "elasticsearch" && buildsPort(b, "index")) {
    const { EsSearchIndex } = await import("../adapters/elasticsearch/es-search-index");
    const auth = b.es.apiKey ? { apiKey: b.es.apiKey } : b.es.username && b.es.password ? { username: b.es.username, password: b.es.password } : undefined;
    out.index = new EsSearchIndex({ node: b.es.url, auth, index: b.es.index, shards: b.es.shards, replicas: b.es.replicas });
  }
  if (b.notifier === "apigateway" && buildsPort(b, "notifier")) {
    const { ApiGatewayNotifier } = await import("../adapters/aws/apigateway-notifier");
    out.notifier = new ApiGatewayNotifier({ jobs: (out.jobs ?? localJobs)!, endpoint: b.ws.endpoint, clientConfig: region });
  }
}

/** Bucket, queues with their DLQs (from the topology), tables and search index, when missing. */
async function provision(b: ResolvedBackends, p: Loaded): Promise<void> {
  if (p.objects) {
    const { CreateBucketCommand, HeadBucketCommand } = await import("@aws-sdk/client-s3");
    try {
      await p.objects.client.send(new HeadBucketCommand({ Bucket: p.objects.bucket }));
    } catch {
      await p.objects.client.send(new CreateBucketCommand({ Bucket: p.objects.bucket })).catch((e) => {
        if (!/BucketAlready(OwnedByYou|Exists)/.test((e as Error).name)) throw e;
      });
    }
  }
  if (p.queue) {
    const specs = new Map<string, { name: string; visibilityTimeoutSeconds?: number; maxReceives?: number }>(topology.queues.map((name) => [name, { name }]));
    for (const [, f] of queueFunctions())
      specs.set(f.trigger.queue, { name: f.trigger.queue, visibilityTimeoutSeconds: f.trigger.visibilityTimeoutSeconds, maxReceives: f.trigger.maxReceives });
    await p.queue.ensureQueues([...specs.values()]);
  }
  if (p.dynamo) {
    const { ensureTables } = await import("../adapters/aws/dynamodb-tables");
    await ensureTables(p.dynamo, { jobs: b.dynamodb.jobsTable, documents: b.dynamodb.documentsTable });
  }
  await p.index?.ensureIndex();
}

/** The names of T's methods, optional ones included. */
type MethodsOf<T> = { [K in keyof T]-?: NonNullable<T[K]> extends (...args: never[]) => unknown ? K : never }[keyof T] & string;

/**
 * The methods a deferred port forwards, checked by the compiler: every method of the port must be
 * listed (a method added to a port and not forwarded is a type error here, not an undefined at run
 * time on AWS), and every name must be a method of the adapter that is loaded behind it.
 */
const forwards =
  <Port, Adapter extends Port>() =>
  <const L extends readonly MethodsOf<Adapter>[]>(
    list: L & ([Exclude<MethodsOf<Port>, L[number]>] extends [never] ? unknown : { missing: Exclude<MethodsOf<Port>, L[number]> }),
  ): L =>
    list;

/** Each port's methods, as the compiler checks them against the port and its service adapter. */
export const PORT_METHODS = {
  objects: forwards<ObjectStore, S3ObjectStore>()(["get", "head", "put", "delete", "list", "stream"]),
  queue: forwards<Queue, SqsQueue>()(["send", "sendBatch", "receive", "delete", "changeVisibility", "depth", "url", "ensureQueues"]),
  jobs: forwards<JobStore, DynamoDbJobStore>()([
    "create",
    "get",
    "transition",
    "saveCheckpoint",
    "commitStage",
    "recordAttempt",
    "appendEvent",
    "events",
    "subscribe",
    "unsubscribe",
    "subscribers",
    "purgeFinished",
    "slotsHeld",
    "countActive",
    "countWorking",
  ]),
  catalog: forwards<DocumentCatalog, DynamoDbDocumentCatalog>()(["get", "put", "putIfVersion", "delete", "list", "findByHash", "counts"]),
  index: forwards<SearchIndex, EsSearchIndex>()([
    "stage",
    "activate",
    "countChunks",
    "removeDocument",
    "removeVersion",
    "vectorsFor",
    "chunksOf",
    "search",
    "servingModel",
    "switchServingModel",
    "modelCoverage",
    "ensureIndex",
  ]),
  notifier: forwards<Notifier, ApiGatewayNotifier>()(["send", "follow", "publish"]),
};

/**
 * A port whose adapter is still loading: `name` answers at once, each listed method waits for
 * `ready` and then calls the adapter (the object store's `list`, an async iterable, waits inside
 * its iterator). Once
 * loaded, a method the adapter lacks reads as undefined, as on the adapter itself.
 */
function deferred<T extends object>(name: string, methods: readonly string[], ready: Promise<void>, pick: () => T | undefined): T {
  const iterableList = methods === PORT_METHODS.objects; // ObjectStore.list is an AsyncIterable; the catalog's is a Promise
  const target = () => {
    const t = pick();
    if (!t) throw new Error(`${name} adapter is not available`);
    return t as Record<string, unknown>;
  };
  const known = new Set(methods);
  return new Proxy({ name } as T, {
    get(_stub, prop) {
      if (prop === "name") return name;
      if (typeof prop !== "string" || !known.has(prop)) return undefined;
      const loadedNow = pick() as Record<string, unknown> | undefined;
      if (loadedNow && typeof loadedNow[prop] !== "function") return undefined;
      if (prop === "list" && iterableList) {
        return async function* (...args: unknown[]) {
          await ready;
          const t = target();
          yield* (t.list as (...a: unknown[]) => AsyncIterable<unknown>).apply(t, args);
        };
      }
      return async (...args: unknown[]) => {
        await ready;
        const t = target();
        const fn = t[prop];
        return typeof fn === "function" ? (fn as (...a: unknown[]) => unknown).apply(t, args) : undefined;
      };
    },
  });
}
