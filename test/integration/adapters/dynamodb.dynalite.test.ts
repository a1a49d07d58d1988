import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbDocumentCatalog } from "../../../shared/adapters/aws/dynamodb-document-catalog";
import { DynamoDbJobStore } from "../../../shared/adapters/aws/dynamodb-job-store";
import { ensureTables } from "../../../shared/adapters/aws/dynamodb-tables";
import { documentCatalogContract } from "./contract/document-catalog.contract";
import { jobStoreContract } from "./contract/job-store.contract";
import { startDynamo } from "./servers";

// DynamoDB job store and document catalog against dynalite, a real DynamoDB protocol server on
// loopback (port 0): conditional writes, queries, GSIs. dynalite has no TTL expiry, so the scan
// purge (offered for servers without TTL) is exercised instead; the TTL attribute is checked.

let env: Awaited<ReturnType<typeof startDynamo>>;
const tables = { jobs: "ragline-jobs", documents: "ragline-documents" };
beforeAll(async () => {
  env = await startDynamo();
  await ensureTables(env.client, tables);
  await ensureTables(env.client, tables); // a second replica starting: no error
});
afterAll(async () => {
  await env?.stop();
});

const jobStore = (opts: { scanPurge?: boolean } = {}) => new DynamoDbJobStore({ table: tables.jobs, client: env.client, ttlHours: 2, ...opts });

jobStoreContract("DynamoDB API (dynalite)", () => ({ jobs: jobStore({ scanPurge: true }), twin: () => jobStore({ scanPurge: true }) }));
documentCatalogContract("DynamoDB API (dynalite)", () => ({ catalog: new DynamoDbDocumentCatalog({ table: tables.documents, client: env.client }) }));

describe("DynamoDB job store layout (dynalite)", () => {
  it("creates the tables with the key schema and sparse indexes the adapters query", async () => {
    const t = (await env.client.send(new DescribeTableCommand({ TableName: tables.jobs }))).Table!;
    expect(t.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    expect(t.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(["active-by-caller", "working-by-tenant"]);
    const d = (await env.client.send(new DescribeTableCommand({ TableName: tables.documents }))).Table!;
    expect(d.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(["by-hash", "by-key", "by-status"]);
  });

  it("keeps events under the job key, seq as the sort key, each with a TTL ~ttlHours ahead", async () => {
    const jobs = jobStore();
    await jobs.create("layout", { question: "q", principal: { tenant: "t", subject: "s", groups: [] } });
    await jobs.appendEvent("layout", "stage", { name: "retrieve" });
    await jobs.appendEvent("layout", "done", {});
    const doc = DynamoDBDocumentClient.from(env.client);
    const items = (
      await doc.send(new QueryCommand({ TableName: tables.jobs, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": "JOB#layout" } }))
    ).Items!;
    expect(items.map((i) => i.sk)).toEqual(["EVT#000000000001", "EVT#000000000002", "JOB"]);
    const now = Date.now() / 1000;
    for (const i of items) expect(i.expiresAt).toBeGreaterThan(now + 2 * 3600 - 60);
    expect(items.at(-1)).toMatchObject({ activeCaller: "t/s", status: "pending" });
    await jobs.transition("layout", ["pending"], "working");
    expect((await doc.send(new GetCommand({ TableName: tables.jobs, Key: { pk: "JOB#layout", sk: "JOB" } }))).Item).toMatchObject({
      workingTenant: "t",
      activeCaller: "t/s",
    });
    await jobs.transition("layout", ["working"], "failed", { error: "x" });
    const done = (await doc.send(new GetCommand({ TableName: tables.jobs, Key: { pk: "JOB#layout", sk: "JOB" } }))).Item!;
    expect(done.workingTenant).toBeUndefined();
    expect(done.activeCaller).toBeUndefined();
  });

  it("AWS mode offers no purge: expiry is DynamoDB TTL's", () => {
    expect(jobStore().purgeFinished).toBeUndefined();
  });

  it("keeps a gap-free log when three writers append 60 events to one job", async () => {
    const writers = [jobStore(), jobStore(), jobStore()];
    await writers[0].create("race", { question: "q" });
    await Promise.all(writers.map((w, k) => Promise.all(Array.from({ length: 20 }, (_, i) => w.appendEvent("race", "delta", { k, i })))));
    const seqs = (await writers[1].events("race", 0)).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });
});
