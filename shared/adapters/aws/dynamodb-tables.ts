import {
  CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTimeToLiveCommand, waitUntilTableExists,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

// The two tables and their indexes, in one place: the adapters read these names, `ensureTables`
// creates them on-prem and in tests, and the stacks declare the same shapes on AWS.

export const JOBS_TABLE = {
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
  /** Sparse indexes: the attribute exists only while the job is active / working. */
  indexes: {
    activeByCaller: { name: "active-by-caller", partitionKey: "activeCaller", sortKey: "pk" },
    workingByTenant: { name: "working-by-tenant", partitionKey: "workingTenant", sortKey: "pk" },
  },
} as const;

export const DOCUMENTS_TABLE = {
  partitionKey: "key",
  indexes: {
    /** Every record under one constant partition, sorted by key: ordered listing and paging. */
    byKey: { name: "by-key", partitionKey: "listing", sortKey: "key" },
    byStatus: { name: "by-status", partitionKey: "status", sortKey: "key" },
    byHash: { name: "by-hash", partitionKey: "contentHash", sortKey: "key" },
  },
} as const;

type Index = { name: string; partitionKey: string; sortKey: string };

function tableInput(name: string, keys: { pk: string; sk?: string }, indexes: Record<string, Index>, projection: "ALL" | "KEYS_ONLY"): CreateTableCommandInput {
  const attrs = new Set<string>([keys.pk, ...(keys.sk ? [keys.sk] : []), ...Object.values(indexes).flatMap((i) => [i.partitionKey, i.sortKey])]);
  return {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...attrs].map((a) => ({ AttributeName: a, AttributeType: "S" })),
    KeySchema: [{ AttributeName: keys.pk, KeyType: "HASH" }, ...(keys.sk ? [{ AttributeName: keys.sk, KeyType: "RANGE" as const }] : [])],
    GlobalSecondaryIndexes: Object.values(indexes).map((i) => ({
      IndexName: i.name,
      KeySchema: [{ AttributeName: i.partitionKey, KeyType: "HASH" }, { AttributeName: i.sortKey, KeyType: "RANGE" }],
      Projection: { ProjectionType: projection },
    })),
  };
}

export const jobsTableInput = (name: string) => tableInput(name, { pk: JOBS_TABLE.partitionKey, sk: JOBS_TABLE.sortKey }, JOBS_TABLE.indexes, "KEYS_ONLY"); // counted, never read
export const documentsTableInput = (name: string) => tableInput(name, { pk: DOCUMENTS_TABLE.partitionKey }, DOCUMENTS_TABLE.indexes, "ALL");

/** The document client both stores use: undefined fields are dropped rather than refused. */
export function documentClient(client: DynamoDBClient | DynamoDBDocumentClient): DynamoDBDocumentClient {
  return client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } });
}

/** Creates both tables when missing (concurrent callers are fine) and turns TTL on where the server supports it. */
export async function ensureTables(client: DynamoDBClient, names: { jobs: string; documents: string }): Promise<void> {
  for (const input of [jobsTableInput(names.jobs), documentsTableInput(names.documents)]) {
    try {
      await client.send(new CreateTableCommand(input));
    } catch (e) {
      if ((e as { name?: string }).name !== "ResourceInUseException") throw e;
    }
    await waitUntilTableExists({ client, minDelay: 1, maxDelay: 2, maxWaitTime: 120 }, { TableName: input.TableName });
  }
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: names.jobs, TimeToLiveSpecification: { AttributeName: JOBS_TABLE.ttlAttribute, Enabled: true } }));
  } catch (e) {
    // Already on (ValidationException), or a server without TTL (dynalite): the job store's scan purge covers it.
    if (!/ValidationException|UnknownOperation|UnrecognizedClient|not supported/i.test(`${(e as Error).name} ${(e as Error).message}`)) throw e;
  }
}

export async function tableExists(client: DynamoDBClient, name: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (e) {
    if ((e as { name?: string }).name === "ResourceNotFoundException") return false;
    throw e;
  }
}
