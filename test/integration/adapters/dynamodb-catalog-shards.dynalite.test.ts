import { DynamoDBDocumentClient, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbDocumentCatalog, LISTING_SHARDS, listingShard } from "../../../shared/adapters/aws/dynamodb-document-catalog";
import { ensureTables } from "../../../shared/adapters/aws/dynamodb-tables";
import { startDynamo } from "./servers";

// The catalog's listing index on DynamoDB (dynalite, a real DynamoDB protocol server): records are
// spread over LISTING_SHARDS partitions by a hash of their key (one partition held every document
// before), and a listing merges the shards back into key order, page by page.

let env: Awaited<ReturnType<typeof startDynamo>>;
const tables = { jobs: "shards-jobs", documents: "shards-documents" };
let catalog: DynamoDbDocumentCatalog;
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

// Keys outside the Basic Multilingual Plane are left out: DynamoDB orders keys by UTF-8 bytes (as the
// merge does), dynalite by UTF-16 units, and the two differ only there.
const KEYS = [
  ...Array.from({ length: 100 }, (_, i) => `lib/${String(i).padStart(4, "0")}.txt`),
  ...Array.from({ length: 24 }, (_, i) => `other/${i}.md`),
  "lib/é.txt",
  "lib/Z.txt",
  "lib/~.txt",
  "lib/\u4E2D.txt",
];

beforeAll(async () => {
  env = await startDynamo();
  await ensureTables(env.client, tables);
  catalog = new DynamoDbDocumentCatalog({ table: tables.documents, client: env.client });
  for (let i = 0; i < KEYS.length; i += 25) await Promise.all(KEYS.slice(i, i + 25).map((k) => catalog.put(k, { status: "indexed", size: 1 })));
}, 60_000);
afterAll(async () => {
  await env?.stop();
});

async function pages(opts: { prefix?: string; limit: number }): Promise<string[][]> {
  const out: string[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = (await catalog.list({ ...opts, after })).map((r) => r.key);
    if (!page.length) return out;
    out.push(page);
    after = page.at(-1);
  }
}

describe("DynamoDB catalog: sharded listing index (dynalite)", () => {
  it("spreads records over the listing shards by a hash of the key; none is left in the single old partition", async () => {
    const doc = DynamoDBDocumentClient.from(env.client);
    const items = (await doc.send(new ScanCommand({ TableName: tables.documents }))).Items!;
    expect(items).toHaveLength(KEYS.length);
    for (const i of items) expect(i.listing).toBe(listingShard(i.key as string));
    const perShard = new Map<string, number>();
    for (const i of items) perShard.set(i.listing as string, (perShard.get(i.listing as string) ?? 0) + 1);
    expect(perShard.size).toBe(LISTING_SHARDS);
    expect(Math.max(...perShard.values())).toBeLessThan(KEYS.length / 4);
    expect(perShard.has("doc")).toBe(false);
  });

  it("lists every shard merged in key order, and pages through it exactly once", async () => {
    const expected = [...KEYS].sort(byteOrder);
    expect((await catalog.list({ limit: 10_000 })).map((r) => r.key)).toEqual(expected);
    for (const limit of [7, 50, 1000]) {
      const got = await pages({ limit });
      expect(got.flat()).toEqual(expected);
      expect(got.slice(0, -1).every((p) => p.length === limit)).toBe(true);
    }
    expect((await catalog.list()).map((r) => r.key)).toEqual(expected); // the default limit (1000) covers them
    expect((await pages({ prefix: "other/", limit: 1 })).flat()).toEqual(expected.filter((k) => k.startsWith("other/")));
  }, 120_000);

  it("prefix listings and prefix + after merge the shards too", async () => {
    const lib = KEYS.filter((k) => k.startsWith("lib/")).sort(byteOrder);
    expect((await pages({ prefix: "lib/", limit: 9 })).flat()).toEqual(lib);
    expect((await catalog.list({ prefix: "lib/005", limit: 5 })).map((r) => r.key)).toEqual(lib.filter((k) => k.startsWith("lib/005")).slice(0, 5));
    expect((await catalog.list({ prefix: "other/", after: "other/2.md", limit: 3 })).map((r) => r.key)).toEqual(["other/20.md", "other/21.md", "other/22.md"]);
    expect(await catalog.list({ prefix: "none/" })).toEqual([]);
  }, 60_000);

  it("a record still in the old single partition is listed in order, and moves to its shard on its next write", async () => {
    const doc = DynamoDBDocumentClient.from(env.client);
    await doc.send(
      new PutCommand({
        TableName: tables.documents,
        Item: { key: "lib/0050-legacy.txt", listing: "doc", status: "indexed", updatedAt: "2026-01-01T00:00:00Z" },
      }),
    );
    const around = (await catalog.list({ prefix: "lib/0050", limit: 10 })).map((r) => r.key);
    expect(around).toEqual(["lib/0050-legacy.txt", "lib/0050.txt"]);
    expect((await catalog.list({ prefix: "lib/0050", limit: 10 }))[0]).not.toHaveProperty("listing");
    await catalog.put("lib/0050-legacy.txt", { status: "failed", error: "x" });
    const items = (await doc.send(new ScanCommand({ TableName: tables.documents }))).Items!;
    expect(items.find((i) => i.key === "lib/0050-legacy.txt")!.listing).toBe(listingShard("lib/0050-legacy.txt"));
    expect((await catalog.list({ prefix: "lib/0050" })).map((r) => r.key)).toEqual(["lib/0050-legacy.txt", "lib/0050.txt"]);
  });
});
