import { DOCUMENTS_TABLE, JOBS_TABLE } from "../shared/adapters/aws/dynamodb-schema";
import { LINKS } from "../shared/adapters/aws/sst-links";
import type { BucketArgs, DynamoArgs, Out, SstApi } from "./sst-api";

// The bucket and the two tables (job state + event log; document catalog), with the key schema and
// indexes the DynamoDB adapters query (shared/adapters/aws/dynamodb-schema.ts) and TTL on jobs.
// Browsers reach the bucket only with presigned URLs, from the console's origin: an upload's one PUT with the
// signed headers (POST /uploads: content type, x-amz-meta-*), and the GET of a document too large for the API's
// response (a 303 from ?content); SST's default CORS is any origin, any method.

type Index = { name: string; partitionKey: string; sortKey: string };

function table(keys: { pk: string; sk?: string }, indexes: Record<string, Index>, projection: "ALL" | "KEYS_ONLY", ttl?: string): DynamoArgs {
  const fields: DynamoArgs["fields"] = {};
  for (const f of [keys.pk, keys.sk, ...Object.values(indexes).flatMap((i) => [i.partitionKey, i.sortKey])]) if (f) fields[f] = "string";
  return {
    fields,
    primaryIndex: { hashKey: keys.pk, ...(keys.sk ? { rangeKey: keys.sk } : {}) },
    globalIndexes: Object.fromEntries(
      Object.values(indexes).map((i) => [
        i.name,
        { hashKey: i.partitionKey, rangeKey: i.sortKey, projection: projection === "ALL" ? "all" : "keys-only" } as const,
      ]),
    ),
    ...(ttl ? { ttl } : {}),
  };
}

export const jobsTableArgs = () =>
  table({ pk: JOBS_TABLE.partitionKey, sk: JOBS_TABLE.sortKey }, JOBS_TABLE.indexes, JOBS_TABLE.projection, JOBS_TABLE.ttlAttribute);
export const documentsTableArgs = () => table({ pk: DOCUMENTS_TABLE.partitionKey }, DOCUMENTS_TABLE.indexes, DOCUMENTS_TABLE.projection);

export const bucketArgs = (consoleOrigin: Out<string>): BucketArgs => ({
  // The console's presigned PUT (the headers its URL signs), and its GET of a document too large for the API's
  // response, which the browser reaches by following a 303 with the request's own x-api-key header.
  cors: {
    allowOrigins: [consoleOrigin],
    allowMethods: ["PUT", "GET"],
    allowHeaders: ["content-type", "x-amz-meta-*", "x-api-key"],
    maxAge: "600 seconds",
  },
});

export function storage(sst: SstApi, consoleOrigin: Out<string>) {
  return {
    bucket: new sst.aws.Bucket(LINKS.bucket, bucketArgs(consoleOrigin)),
    jobs: new sst.aws.Dynamo(LINKS.jobsTable, jobsTableArgs()),
    documents: new sst.aws.Dynamo(LINKS.documentsTable, documentsTableArgs()),
  };
}
