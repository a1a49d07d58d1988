import { createHash } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DocumentRecord, DocumentStatus } from "../../domain/document";
import type { DocumentCatalog } from "../../ports/document-catalog";
import { nowIso } from "../../util/time";
import { documentClient, DOCUMENTS_TABLE } from "./dynamodb-tables";

// DocumentCatalog on DynamoDB: one item per document key, the record's fields as attributes.
// A patch is one UpdateItem (SET what it gives, REMOVE what it sets to undefined), so concurrent
// writers never lose each other's fields and putIfVersion is a plain condition on `version`.
// The listing index (by-key) is sharded: a record's `listing` partition is one of LISTING_SHARDS,
// picked by a hash of its key, so no single partition holds every document (DynamoDB's per-partition
// throughput); a listing queries every shard in key order and merges them.

export interface DynamoDbDocumentCatalogOptions {
  table: string;
  client?: DynamoDBClient | DynamoDBDocumentClient;
}

const STATUSES: DocumentStatus[] = ["pending", "processing", "indexed", "failed", "duplicate"];
/** Fixed: a different count leaves records under shards no longer read, until each is written again. */
export const LISTING_SHARDS = 16;
/** The one partition every record had before sharding: still read, so records not written since stay listed. */
const LEGACY_LISTING = "doc";
const SHARDS = Array.from({ length: LISTING_SHARDS }, (_, i) => `doc#${String(i).padStart(2, "0")}`);
/** The listing partition of a key. */
export const listingShard = (key: string) => SHARDS[createHash("sha1").update(key).digest().readUInt32BE(0) % LISTING_SHARDS]!;
const INTERNAL = new Set(["listing"]);
const isConditionFailure = (e: unknown) => (e as { name?: string }).name === "ConditionalCheckFailedException";

export class DynamoDbDocumentCatalog implements DocumentCatalog {
  readonly name = "dynamodb-document-catalog";
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;

  constructor({ table, client }: DynamoDbDocumentCatalogOptions) {
    if (!client) throw new Error("DynamoDbDocumentCatalog needs a client (DynamoDBClient or DynamoDBDocumentClient)");
    this.db = documentClient(client);
    this.table = table;
  }

  async get(key: string): Promise<DocumentRecord | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: { key }, ConsistentRead: true }));
    return r.Item ? toRecord(r.Item) : undefined;
  }

  async put(key: string, patch: Partial<DocumentRecord> & { status: DocumentStatus }): Promise<DocumentRecord> {
    return (await this.update(key, patch))!;
  }

  async putIfVersion(key: string, version: string, patch: Partial<DocumentRecord>): Promise<DocumentRecord | undefined> {
    return this.update(key, patch, version);
  }

  private async update(key: string, patch: Partial<DocumentRecord>, ifVersion?: string): Promise<DocumentRecord | undefined> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ":updatedAt": nowIso(), ":listing": listingShard(key) };
    const set = ["updatedAt = :updatedAt", "listing = :listing"];
    const remove: string[] = [];
    Object.entries(patch).forEach(([field, value], i) => {
      if (field === "key" || field === "updatedAt") return;
      names[`#f${i}`] = field;
      if (value === undefined || (field === "contentHash" && value === "")) remove.push(`#f${i}`);
      else {
        set.push(`#f${i} = :v${i}`);
        values[`:v${i}`] = value;
      }
    });
    if (!("waiting" in patch)) {
      names["#waiting"] = "waiting";
      remove.push("#waiting");
    } // a waiting note lasts until the next write
    if (ifVersion !== undefined) {
      names["#version"] = "version";
      values[":ifVersion"] = ifVersion;
    }
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { key },
          UpdateExpression: `SET ${set.join(", ")}${remove.length ? ` REMOVE ${remove.join(", ")}` : ""}`,
          ConditionExpression: ifVersion !== undefined ? "#version = :ifVersion" : undefined,
          ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      return toRecord(r.Attributes!);
    } catch (e) {
      if (ifVersion !== undefined && isConditionFailure(e)) return undefined;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { key } }));
  }

  /**
   * In key order, from a GSI: by status (one partition per status), or every listing shard (and the
   * legacy partition) queried page by page and merged; `after` pages on.
   */
  async list(opts: { prefix?: string; status?: DocumentStatus; limit?: number; after?: string } = {}): Promise<DocumentRecord[]> {
    const limit = opts.limit ?? 1000;
    const idx = opts.status ? DOCUMENTS_TABLE.indexes.byStatus : DOCUMENTS_TABLE.indexes.byKey;
    const names: Record<string, string> = { "#p": idx.partitionKey };
    const values: Record<string, unknown> = {};
    let cond = "#p = :p";
    if (opts.prefix || opts.after) names["#k"] = "key"; // DynamoDB refuses unused names
    if (opts.prefix && opts.after) {
      // Inclusive range from the later of the two, to the end of the prefix's range; `after` itself is skipped.
      cond += " AND #k BETWEEN :lo AND :hi";
      values[":lo"] = opts.after > opts.prefix ? opts.after : opts.prefix;
      values[":hi"] = opts.prefix + "\u{10FFFF}";
    } else if (opts.prefix) {
      cond += " AND begins_with(#k, :prefix)";
      values[":prefix"] = opts.prefix;
    } else if (opts.after) {
      cond += " AND #k > :after";
      values[":after"] = opts.after;
    }
    const partitions = opts.status ? [opts.status] : [...SHARDS, LEGACY_LISTING];
    // Each shard holds ~1/n of a page; pages are refilled only from the shard the merge drains.
    const pageSize = Math.min(limit + 1, partitions.length === 1 ? limit + 1 : Math.max(4, Math.ceil((2 * limit) / partitions.length)));
    const cursors = partitions.map(
      (p) =>
        new PartitionCursor((start) =>
          this.db.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: idx.name,
              KeyConditionExpression: cond,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ...values, ":p": p },
              ExclusiveStartKey: start,
              Limit: pageSize,
            }),
          ),
        ),
    );
    await Promise.all(cursors.map((c) => c.fill()));
    const out: DocumentRecord[] = [];
    while (out.length < limit) {
      let next: PartitionCursor | undefined;
      for (const c of cursors) if (c.head && (!next || byteOrder(c.head.key as string, next.head!.key as string) < 0)) next = c;
      if (!next) break;
      const item = next.take();
      if (item.key !== opts.after) out.push(toRecord(item));
      await next.fill();
    }
    return out;
  }

  async findByHash(contentHash: string): Promise<DocumentRecord | undefined> {
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: DOCUMENTS_TABLE.indexes.byHash.name,
          KeyConditionExpression: "contentHash = :h",
          FilterExpression: "#s = :indexed",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":h": contentHash, ":indexed": "indexed" },
          ExclusiveStartKey: start,
        }),
      );
      if (r.Items?.length) return toRecord(r.Items[0]);
      start = r.LastEvaluatedKey;
    } while (start);
    return undefined;
  }

  async counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    await Promise.all(
      STATUSES.map(async (status) => {
        let n = 0;
        let start: Record<string, unknown> | undefined;
        do {
          const r = await this.db.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: DOCUMENTS_TABLE.indexes.byStatus.name,
              KeyConditionExpression: "#s = :s",
              ExpressionAttributeNames: { "#s": "status" },
              ExpressionAttributeValues: { ":s": status },
              Select: "COUNT",
              ExclusiveStartKey: start,
            }),
          );
          n += r.Count ?? 0;
          start = r.LastEvaluatedKey;
        } while (start);
        if (n) out[status] = n;
      }),
    );
    return out;
  }
}

function toRecord(item: Record<string, unknown>): DocumentRecord {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !INTERNAL.has(k))) as unknown as DocumentRecord;
}

type Item = Record<string, unknown>;

/** One partition of a GSI read page by page: holds a page, fetches the next when it is used up. */
class PartitionCursor {
  private items: Item[] = [];
  private start: Item | undefined;
  private done = false;

  constructor(private readonly query: (start: Item | undefined) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>) {}

  get head(): Item | undefined {
    return this.items[0];
  }

  take(): Item {
    return this.items.shift()!;
  }

  /** Fetches pages while this one is empty and the partition has more. */
  async fill(): Promise<void> {
    while (!this.items.length && !this.done) {
      const r = await this.query(this.start);
      this.items = r.Items ?? [];
      this.start = r.LastEvaluatedKey;
      this.done = !this.start;
    }
  }
}

/** DynamoDB orders string sort keys by their UTF-8 bytes (JavaScript's < compares UTF-16 units). */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
