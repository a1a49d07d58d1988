import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Job, JobEvent, JobEventType, JobStatus, QueryRequest, QueryResult } from "../../domain/job";
import { JOB_TRANSITIONS, TERMINAL_EVENTS, TERMINAL_STATUSES } from "../../domain/job";
import { AdmissionRefused, type AdmissionSlot, type JobStore, type StageCommit } from "../../ports/job-store";
import { keptAfterEnd } from "../../domain/checkpoint-retention";
import { logger } from "../../observability/logger";
import { nowIso } from "../../util/time";
import { batchWriteAll } from "./dynamodb-batch";
import { CHECKPOINT_PREFIX, checkpointItems, readCheckpoints } from "./dynamodb-checkpoints";
import { documentClient, JOBS_TABLE } from "./dynamodb-tables";

// JobStore on DynamoDB (AWS, or a DynamoDB-compatible store on-prem). One table:
//   JOB#<id> / JOB          the job; transitions are conditional writes on its status
//   JOB#<id> / EVT#<seq>    the event log under the job key, seq zero-padded so it sorts;
//                           put-if-absent makes the sequence gap-free and unique across writers
//   JOB#<id> / SUB#<conn>   and CONN#<conn> / SUB#<id>: subscriptions, found from either side
//   JOB#<id> / CP#<stage>#n checkpoints, gzipped, in parts (dynamodb-checkpoints.ts); a finished job
//                           keeps only the small ones (shared/jobs/checkpoint-retention.ts)
// Every item carries `expiresAt` (epoch seconds) for DynamoDB TTL, pushed forward on each write.
// Request, result, checkpoints and event data are JSON strings: any value the core hands over
// survives, whatever DynamoDB's type rules.

export interface DynamoDbJobStoreOptions {
  table: string;
  client?: DynamoDBClient | DynamoDBDocumentClient;
  /** Items expire this long after their last write (the retention of finished jobs). */
  ttlHours?: number;
  /** Offer `purgeFinished` by scanning (servers without TTL); AWS leaves expiry to TTL. */
  scanPurge?: boolean;
}

interface JobItem {
  pk: string;
  sk: string;
  id: string;
  status: JobStatus;
  request: string;
  result?: string;
  error?: string;
  checkpoints: Record<string, string>;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: number;
  tenant?: string;
  activeCaller?: string;
  workingTenant?: string;
  /** Admission slot keys the job holds until it ends. */
  slots?: string[];
}

const jobKey = (id: string) => ({ pk: `JOB#${id}`, sk: "JOB" });
const evtSk = (seq: number) => `EVT#${String(seq).padStart(12, "0")}`;
const isConditionFailure = (e: unknown) => (e as { name?: string }).name === "ConditionalCheckFailedException";

export class DynamoDbJobStore implements JobStore {
  readonly name = "dynamodb-job-store";
  readonly purgeFinished?: (before: string) => Promise<number>;
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly ttlSeconds: number;
  /** Last sequence number this process wrote per job: the next append usually needs one write. */
  private readonly lastSeq = new Map<string, number>();

  constructor({ table, client, ttlHours = 168, scanPurge = false }: DynamoDbJobStoreOptions) {
    if (!client) throw new Error("DynamoDbJobStore needs a client (DynamoDBClient or DynamoDBDocumentClient)");
    this.db = documentClient(client);
    this.table = table;
    this.ttlSeconds = ttlHours * 3600;
    if (scanPurge) this.purgeFinished = (before) => this.scanPurge(before);
  }

  private expiresAt() {
    return Math.floor(Date.now() / 1000) + this.ttlSeconds;
  }

  async create(id: string, request: QueryRequest, opts: { slots?: AdmissionSlot[] } = {}): Promise<Job> {
    const now = nowIso();
    const slots = opts.slots ?? [];
    const item: JobItem = {
      ...jobKey(id),
      id,
      status: "pending",
      request: JSON.stringify(request),
      checkpoints: {},
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      expiresAt: this.expiresAt(),
      tenant: request.principal?.tenant,
      activeCaller: callerKey(request),
      ...(slots.length ? { slots: slots.map((s) => s.key) } : {}),
    };
    await this.takeSlots(slots);
    try {
      await this.db.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: "attribute_not_exists(pk)" }));
    } catch (e) {
      await this.giveSlots(slots.map((s) => s.key));
      throw e;
    }
    return toJob(item);
  }

  // Admission slots: one counter item per key (SLOT#<key>), taken by a conditional increment that
  // fails when full, so concurrent submitters can never overshoot; given back when the job ends.
  // Without transactions (dynalite has none) a process dying between the counter and the job
  // write leaves a slot taken until the counter is repaired; the window is one request.

  private slotKey = (key: string) => ({ pk: `SLOT#${key}`, sk: "SLOT" });

  private async takeSlots(slots: AdmissionSlot[]) {
    const taken: string[] = [];
    for (const slot of slots) {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: this.slotKey(slot.key),
            UpdateExpression: "ADD held :one",
            ConditionExpression: "attribute_not_exists(held) OR held < :limit",
            ExpressionAttributeValues: { ":one": 1, ":limit": slot.limit },
          }),
        );
        taken.push(slot.key);
      } catch (e) {
        await this.giveSlots(taken);
        if (isConditionFailure(e)) throw new AdmissionRefused(slot, await this.slotsHeld(slot.key));
        throw e;
      }
    }
  }

  private async giveSlots(keys: string[]) {
    for (const key of keys) {
      await this.db
        .send(
          new UpdateCommand({
            TableName: this.table,
            Key: this.slotKey(key),
            UpdateExpression: "ADD held :minus",
            ConditionExpression: "held > :zero",
            ExpressionAttributeValues: { ":minus": -1, ":zero": 0 },
          }),
        )
        .catch((e) => {
          if (!isConditionFailure(e)) throw e;
        });
    }
  }

  /** A job that ended gives its slots back, once: removing its list is conditional on the list being there. */
  private async releaseSlots(id: string) {
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: jobKey(id),
          UpdateExpression: "REMOVE #slots",
          ConditionExpression: "attribute_exists(#slots)",
          ReturnValues: "UPDATED_OLD",
          ExpressionAttributeNames: { "#slots": "slots" },
        }),
      );
      await this.giveSlots((r.Attributes?.slots as string[] | undefined) ?? []);
    } catch (e) {
      if (!isConditionFailure(e)) throw e; // none held, or already given back
    }
  }

  async slotsHeld(key: string): Promise<number> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: this.slotKey(key), ConsistentRead: true }));
    return Number(r.Item?.held ?? 0);
  }

  async get(id: string): Promise<Job | undefined> {
    const [r, checkpoints] = await Promise.all([
      this.db.send(new GetCommand({ TableName: this.table, Key: jobKey(id), ConsistentRead: true })),
      this.checkpoints(id),
    ]);
    return r.Item ? toJob(r.Item as JobItem, checkpoints) : undefined;
  }

  async transition(id: string, from: readonly JobStatus[], to: JobStatus, patch: { result?: QueryResult; error?: string } = {}): Promise<Job | undefined> {
    const allowed = from.filter((f) => JOB_TRANSITIONS[f].includes(to));
    if (!allowed.length) return undefined;
    const values: Record<string, unknown> = { ":to": to, ":now": nowIso(), ":exp": this.expiresAt() };
    allowed.forEach((s, i) => (values[`:f${i}`] = s));
    const set = ["#status = :to", "updatedAt = :now", "expiresAt = :exp"];
    const remove: string[] = [];
    if (patch.result) {
      set.push("#result = :result");
      values[":result"] = JSON.stringify(patch.result);
    }
    if (patch.error !== undefined) {
      set.push("#error = :error");
      values[":error"] = patch.error;
    }
    // The sparse index attributes follow the status: counted while active / working, gone after.
    if (TERMINAL_STATUSES.includes(to)) remove.push("activeCaller");
    // Tenantless jobs land under "-", which no caller asks for.
    if (to === "working") {
      set.push("workingTenant = if_not_exists(tenant, :none)");
      values[":none"] = "-";
    } else remove.push("workingTenant");
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: jobKey(id),
          UpdateExpression: `SET ${set.join(", ")}${remove.length ? ` REMOVE ${remove.join(", ")}` : ""}`,
          ConditionExpression: `#status IN (${allowed.map((_, i) => `:f${i}`).join(", ")})`,
          ExpressionAttributeNames: {
            "#status": "status",
            ...(patch.result ? { "#result": "result" } : {}),
            ...(patch.error !== undefined ? { "#error": "error" } : {}),
          },
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      // Best effort: the job has ended either way, and TTL removes what is left.
      if (TERMINAL_STATUSES.includes(to))
        await this.dropCheckpoints(id).catch((err) => logger.warn("checkpoint cleanup failed", { jobId: id, err: String(err) }));
      if (TERMINAL_STATUSES.includes(to))
        await this.releaseSlots(id).catch((err) => logger.error("admission slots not given back", { jobId: id, err: String(err) }));
      return toJob(r.Attributes as JobItem, await this.checkpoints(id));
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
  }

  async saveCheckpoint(id: string, stage: string, value: unknown): Promise<void> {
    try {
      // Touch the job first: no job, no checkpoint (as in every store).
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: jobKey(id),
          UpdateExpression: "SET updatedAt = :now, expiresAt = :exp",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":now": nowIso(), ":exp": this.expiresAt() },
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) return;
      throw e;
    }
    for (const item of checkpointItems(`JOB#${id}`, stage, value, this.expiresAt())) {
      await this.db.send(new PutCommand({ TableName: this.table, Item: item }));
    }
  }

  /** The writes in order (checkpoint items can exceed a transaction's 4 MB): the checkpoints, then the events. */
  async commitStage(id: string, checkpoints: Record<string, unknown>, events: StageCommit[]): Promise<JobEvent[]> {
    for (const [stage, value] of Object.entries(checkpoints)) await this.saveCheckpoint(id, stage, value);
    const appended: JobEvent[] = [];
    for (const e of events) {
      const event = await this.appendEvent(id, e.type, e.data);
      if (!event) break;
      appended.push(event);
    }
    return appended;
  }

  private async checkpoints(id: string): Promise<Record<string, unknown>> {
    return readCheckpoints(
      await this.queryAll({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :cp)",
        ExpressionAttributeValues: { ":pk": `JOB#${id}`, ":cp": CHECKPOINT_PREFIX },
      }),
    );
  }

  /** A finished job resumes nothing: its stage outputs go, the small records read later stay. */
  private async dropCheckpoints(id: string): Promise<void> {
    const items = await this.queryAll({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :cp)",
      ExpressionAttributeValues: { ":pk": `JOB#${id}`, ":cp": CHECKPOINT_PREFIX },
      ProjectionExpression: "pk, sk",
    });
    const stageOf = (sk: string) => sk.slice(CHECKPOINT_PREFIX.length, sk.lastIndexOf("#"));
    const keys = items.filter((i) => !keptAfterEnd(stageOf(String(i.sk)))).map((i) => ({ pk: i.pk, sk: i.sk }));
    await batchWriteAll(
      this.db,
      this.table,
      keys.map((Key) => ({ DeleteRequest: { Key } })),
    );
  }

  async recordAttempt(id: string): Promise<number> {
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: jobKey(id),
          UpdateExpression: "ADD attempts :one",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":one": 1 },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      return Number(r.Attributes?.attempts ?? 0);
    } catch (e) {
      if (isConditionFailure(e)) return 0;
      throw e;
    }
  }

  async appendEvent(id: string, type: JobEventType, data: Record<string, unknown>): Promise<JobEvent | undefined> {
    const at = nowIso();
    const closes = TERMINAL_EVENTS.includes(type);
    // After a terminal event (done, failed, cancelled) the log is closed to the others. The seq this
    // instance wrote last is known not to be terminal; any other end of the log is read, with its type.
    const cached = this.lastSeq.get(id);
    let seq: number;
    if (cached !== undefined) seq = cached + 1;
    else {
      const last = await this.lastEvent(id);
      if (!closes && last.terminal) return undefined;
      seq = last.seq + 1;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: `JOB#${id}`, sk: evtSk(seq), seq, type, data: JSON.stringify(data), at, expiresAt: this.expiresAt() },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        if (closes)
          this.lastSeq.delete(id); // the next append reads the end of the log (and finds it closed)
        else this.remember(id, seq);
        return { jobId: id, seq, type, at, data };
      } catch (e) {
        // Another writer took this number: read the log's end and take the next one (unless it closed the log).
        if (!isConditionFailure(e) || attempt >= 50) throw e;
        const last = await this.lastEvent(id);
        if (!closes && last.terminal) {
          this.lastSeq.delete(id);
          return undefined;
        }
        seq = last.seq + 1;
      }
    }
  }

  private remember(id: string, seq: number) {
    this.lastSeq.delete(id);
    this.lastSeq.set(id, seq);
    if (this.lastSeq.size > 10_000) this.lastSeq.delete(this.lastSeq.keys().next().value!);
  }

  private async lastEvent(id: string): Promise<{ seq: number; terminal: boolean }> {
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :evt)",
        ExpressionAttributeValues: { ":pk": `JOB#${id}`, ":evt": "EVT#" },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
        ProjectionExpression: "seq, #t",
        ExpressionAttributeNames: { "#t": "type" },
      }),
    );
    const item = r.Items?.[0];
    return { seq: Number(item?.seq ?? 0), terminal: TERMINAL_EVENTS.includes(item?.type) };
  }

  async events(id: string, afterSeq: number, limit = 10_000): Promise<JobEvent[]> {
    const out: JobEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":pk": `JOB#${id}`, ":from": evtSk(afterSeq + 1), ":to": evtSk(999_999_999_999) },
          ConsistentRead: true,
          Limit: Math.min(1000, limit - out.length),
          ExclusiveStartKey: start,
        }),
      );
      for (const i of r.Items ?? []) out.push({ jobId: id, seq: Number(i.seq), type: i.type, at: i.at, data: JSON.parse(i.data) });
      start = r.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out;
  }

  async subscribe(jobId: string, connectionId: string): Promise<void> {
    const expiresAt = this.expiresAt();
    await batchWriteAll(this.db, this.table, [
      { PutRequest: { Item: { pk: `JOB#${jobId}`, sk: `SUB#${connectionId}`, connectionId, expiresAt } } },
      { PutRequest: { Item: { pk: `CONN#${connectionId}`, sk: `SUB#${jobId}`, jobId, expiresAt } } },
    ]);
  }

  async unsubscribe(connectionId: string): Promise<void> {
    const jobs = (
      await this.queryAll({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :sub)",
        ExpressionAttributeValues: { ":pk": `CONN#${connectionId}`, ":sub": "SUB#" },
      })
    ).map((i) => String(i.jobId));
    const deletes = jobs.flatMap((jobId) => [
      { pk: `JOB#${jobId}`, sk: `SUB#${connectionId}` },
      { pk: `CONN#${connectionId}`, sk: `SUB#${jobId}` },
    ]);
    await batchWriteAll(
      this.db,
      this.table,
      deletes.map((Key) => ({ DeleteRequest: { Key } })),
    );
  }

  async subscribers(jobId: string): Promise<string[]> {
    return (
      await this.queryAll({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :sub)",
        ExpressionAttributeValues: { ":pk": `JOB#${jobId}`, ":sub": "SUB#" },
      })
    ).map((i) => String(i.connectionId));
  }

  /** Eventually consistent (a GSI): backpressure tolerates a count a moment old. */
  async countActive(caller: string): Promise<number> {
    return this.count(JOBS_TABLE.indexes.activeByCaller.name, "activeCaller", caller);
  }

  async countWorking(tenant: string): Promise<number> {
    return this.count(JOBS_TABLE.indexes.workingByTenant.name, "workingTenant", tenant);
  }

  private async count(index: string, attr: string, value: string): Promise<number> {
    let n = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: index,
          KeyConditionExpression: "#a = :v",
          ExpressionAttributeNames: { "#a": attr },
          ExpressionAttributeValues: { ":v": value },
          Select: "COUNT",
          ExclusiveStartKey: start,
        }),
      );
      n += r.Count ?? 0;
      start = r.LastEvaluatedKey;
    } while (start);
    return n;
  }

  private async queryAll(q: { KeyConditionExpression: string; ExpressionAttributeValues: Record<string, unknown>; ProjectionExpression?: string }) {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(new QueryCommand({ TableName: this.table, ConsistentRead: true, ExclusiveStartKey: start, ...q }));
      out.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** For servers without TTL: finished jobs last updated before `before`, with their events and subscriptions. */
  private async scanPurge(before: string): Promise<number> {
    let purged = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          ExclusiveStartKey: start,
          ProjectionExpression: "id",
          FilterExpression: "sk = :job AND #status IN (:c, :f, :x) AND updatedAt < :before",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":job": "JOB", ":c": "completed", ":f": "failed", ":x": "cancelled", ":before": before },
        }),
      );
      for (const { id } of r.Items ?? []) {
        const items = await this.queryAll({ KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": `JOB#${id}` } });
        for (const i of items) {
          if (String(i.sk).startsWith("SUB#"))
            await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: `CONN#${String(i.sk).slice(4)}`, sk: `SUB#${id}` } }));
        }
        await batchWriteAll(
          this.db,
          this.table,
          items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })),
        );
        this.lastSeq.delete(String(id));
        purged++;
      }
      start = r.LastEvaluatedKey;
    } while (start);
    return purged;
  }
}

/** The caller a job counts against (see shared/jobs/admission.ts callerOf); anonymous callers are not counted. */
function callerKey(req: QueryRequest): string | undefined {
  const p = req.principal;
  if (!p?.subject || p.subject === "anonymous") return undefined;
  return `${p.tenant ?? "-"}/${p.subject}`;
}

/** `checkpoints`: the items of dynamodb-checkpoints.ts, over any an older version kept in the job item. */
function toJob(i: JobItem, checkpoints: Record<string, unknown> = {}): Job {
  return {
    id: i.id,
    status: i.status,
    request: JSON.parse(i.request),
    result: i.result ? JSON.parse(i.result) : undefined,
    error: i.error ?? undefined,
    checkpoints: { ...Object.fromEntries(Object.entries(i.checkpoints ?? {}).map(([k, v]) => [k, JSON.parse(v)])), ...checkpoints },
    attempts: Number(i.attempts ?? 0),
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
  };
}
