import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DOCUMENTS_TABLE, JOBS_TABLE } from "./dynamodb-schema";

// Table creation for on-prem and tests (the shapes are in dynamodb-schema.ts), and the document
// client both stores use.

export { DOCUMENTS_TABLE, JOBS_TABLE };

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
      KeySchema: [
        { AttributeName: i.partitionKey, KeyType: "HASH" },
        { AttributeName: i.sortKey, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: projection },
    })),
  };
}

export const jobsTableInput = (name: string) =>
  tableInput(name, { pk: JOBS_TABLE.partitionKey, sk: JOBS_TABLE.sortKey }, JOBS_TABLE.indexes, JOBS_TABLE.projection);
export const documentsTableInput = (name: string) =>
  tableInput(name, { pk: DOCUMENTS_TABLE.partitionKey }, DOCUMENTS_TABLE.indexes, DOCUMENTS_TABLE.projection);

/** The document client both stores use: undefined fields are dropped rather than refused. */
export function documentClient(client: DynamoDBClient | DynamoDBDocumentClient): DynamoDBDocumentClient {
  return client instanceof DynamoDBDocumentClient
    ? client
    : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } });
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
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: names.jobs, TimeToLiveSpecification: { AttributeName: JOBS_TABLE.ttlAttribute, Enabled: true } }),
    );
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
