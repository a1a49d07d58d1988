import { CreateTableCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchWriteAll } from "../../../shared/adapters/aws/dynamodb-batch";
import { startDynamo } from "./servers";

// BatchWriteItem may answer with UnprocessedItems under throttling. dynalite never throttles, so a
// wrapper around the real client stands in for DynamoDB's throttling: it leaves the last request of
// each batch unprocessed twice; everything must still reach the real table.

describe("batch writes retry UnprocessedItems (dynalite, with a throttling stand-in in front)", () => {
  let env: Awaited<ReturnType<typeof startDynamo>>;
  let doc: DynamoDBDocumentClient;
  beforeAll(async () => {
    env = await startDynamo();
    await env.client.send(
      new CreateTableCommand({
        TableName: "tbl",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
      }),
    );
    doc = DynamoDBDocumentClient.from(env.client);
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("writes all 60 items across 3 batches although the throttling stand-in leaves one request of each behind", async () => {
    let withheld = 0;
    const throttling = {
      send: async (cmd: { input: { RequestItems: Record<string, unknown[]> } }) => {
        const reqs = cmd.input.RequestItems.tbl;
        if (withheld < 6 && reqs.length > 1) {
          withheld++;
          await doc.send(new BatchWriteCommand({ RequestItems: { tbl: reqs.slice(0, -1) as never } }));
          return { UnprocessedItems: { tbl: reqs.slice(-1) } };
        }
        return doc.send(cmd as never);
      },
    };
    const items = Array.from({ length: 60 }, (_, i) => ({ PutRequest: { Item: { pk: "p", sk: `s${String(i).padStart(2, "0")}` } } }));
    await batchWriteAll(throttling as never, "tbl", items, { baseDelayMs: 1 });
    const all = await env.client.send(new ScanCommand({ TableName: "tbl" }));
    expect(all.Count).toBe(60);
    expect(withheld).toBe(3);
  });

  it("gives up with a retryable error when writes stay unprocessed", async () => {
    const stuck = { send: async (cmd: { input: { RequestItems: Record<string, unknown[]> } }) => ({ UnprocessedItems: { tbl: cmd.input.RequestItems.tbl } }) };
    await expect(batchWriteAll(stuck as never, "tbl", [{ PutRequest: { Item: { pk: "x", sk: "y" } } }], { tries: 3, baseDelayMs: 1 })).rejects.toThrow(
      /unprocessed after 3 tries/,
    );
  });
});
