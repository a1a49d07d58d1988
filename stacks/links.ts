import type { SecretSetting } from "../shared/adapters/aws/sst-links";
import type { Use } from "../shared/topology";
import type { BucketLike, DynamoLike, Out, QueueLike, SecretLike, SstApi, WebSocketApiLike } from "./sst-api";

// Least privilege. Each function is linked only to what its topology entry `uses`, and a link
// grants item-level actions only: SST's defaults (dynamodb:*, sqs:*, s3:* — DeleteTable,
// DeleteQueue, DeleteBucket, PutBucketPolicy...) are narrowed to what the adapters call.

export const DYNAMO_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:BatchGetItem",
  "dynamodb:BatchWriteItem",
];
export const SQS_ACTIONS = [
  "sqs:SendMessage",
  "sqs:ReceiveMessage",
  "sqs:DeleteMessage",
  "sqs:ChangeMessageVisibility",
  "sqs:GetQueueAttributes",
  "sqs:GetQueueUrl",
];
export const S3_BUCKET_ACTIONS = ["s3:ListBucket"];
export const S3_OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];

/** `${arn}${path}`: the stacks see outputs as opaque; at deploy time they are Pulumi Outputs. */
const under = (arn: Out<string>, path: string) => (arn as unknown as { apply(f: (a: string) => string): Out<string> }).apply((a) => a + path);

export function narrowLinks(sst: SstApi) {
  sst.Linkable.wrap(sst.aws.Dynamo, (t) => ({
    properties: { name: t.name },
    include: [sst.aws.permission({ actions: DYNAMO_ACTIONS, resources: [t.arn, under(t.arn, "/index/*")] })],
  }));
  sst.Linkable.wrap(sst.aws.Queue, (q) => ({ properties: { url: q.url }, include: [sst.aws.permission({ actions: SQS_ACTIONS, resources: [q.arn] })] }));
  sst.Linkable.wrap(sst.aws.Bucket, (b) => ({
    properties: { name: b.name },
    include: [
      sst.aws.permission({ actions: S3_BUCKET_ACTIONS, resources: [b.arn] }),
      sst.aws.permission({ actions: S3_OBJECT_ACTIONS, resources: [under(b.arn, "/*")] }),
    ],
  }));
}

export interface Linkables {
  bucket: BucketLike;
  jobs: DynamoLike;
  documents: DynamoLike;
  realtime: WebSocketApiLike;
  queues: Record<string, { queue: QueueLike; dlq: QueueLike }>;
  es: { url: SecretLike; apiKey: SecretLike };
  /** The secrets this deployment holds, by the setting they supply. */
  secrets: Partial<Record<SecretSetting, SecretLike>>;
}

const SECRET_OF: Partial<Record<Use, SecretSetting>> = {
  embedder: "RAGLINE_EMBED_API_KEY",
  reranker: "RAGLINE_RERANK_API_KEY",
  generator: "RAGLINE_LLM_API_KEY",
  apiKeys: "RAGLINE_API_KEYS",
  webhookSecret: "RAGLINE_WEBHOOK_SECRET",
  ocr: "RAGLINE_OCR_TOKEN",
};

/** What a function that uses `uses` is linked to. */
export function linksFor(uses: readonly Use[], r: Linkables): unknown[] {
  const out: unknown[] = [];
  for (const use of uses) {
    if (use === "objects") out.push(r.bucket);
    else if (use === "queue") out.push(...Object.values(r.queues).flatMap((q) => [q.queue, q.dlq]));
    else if (use === "jobs") out.push(r.jobs);
    else if (use === "catalog") out.push(r.documents);
    else if (use === "index") out.push(r.es.url, r.es.apiKey);
    else if (use === "notifier") out.push(r.realtime);
    const secret = SECRET_OF[use] && r.secrets[SECRET_OF[use]!];
    if (secret) out.push(secret);
  }
  return out;
}

/** RAGLINE_PORTS for a function: the service-backed ports it builds ("none" when it builds none). */
export function portsSetting(uses: readonly Use[]): string {
  const ports = uses.filter((u) => ["objects", "queue", "jobs", "catalog", "index", "notifier"].includes(u));
  return ports.length ? ports.join(",") : "none";
}
