import { randomBytes } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";

// Job checkpoints as items of their own under the job's key, not attributes of the job item: a
// stage's output (topK 50 retrieved chunks with their texts) would push the one job item past
// DynamoDB's 400 KB limit. Each checkpoint is gzipped JSON, split into parts when still large:
//   JOB#<id> / CP#<stage>#000   part 0: `parts` (how many) and `rev`, written last (the commit)
//   JOB#<id> / CP#<stage>#001…  further parts with the same `rev`
// A reader takes a stage only when part 0 and all its parts agree on `rev`; a torn write reads as
// "no checkpoint", and the stage runs again.

export const CHECKPOINT_PREFIX = "CP#";
/** Bytes of gzipped JSON per item: under 400 KB with the keys and the other attributes. */
export const PART_BYTES = 300_000;

export interface CheckpointItem {
  pk: string;
  sk: string;
  stage: string;
  part: number;
  rev: string;
  parts?: number;
  data: Uint8Array;
  expiresAt: number;
}

const sk = (stage: string, part: number) => `${CHECKPOINT_PREFIX}${stage}#${String(part).padStart(3, "0")}`;

/** The items of one checkpoint, part 0 last: write them in this order. */
export function checkpointItems(pk: string, stage: string, value: unknown, expiresAt: number): CheckpointItem[] {
  const bytes = gzipSync(JSON.stringify(value ?? null));
  const parts = Math.max(1, Math.ceil(bytes.length / PART_BYTES));
  const rev = randomBytes(6).toString("hex");
  const items = Array.from(
    { length: parts },
    (_, part): CheckpointItem => ({
      pk,
      sk: sk(stage, part),
      stage,
      part,
      rev,
      ...(part === 0 ? { parts } : {}),
      data: bytes.subarray(part * PART_BYTES, (part + 1) * PART_BYTES),
      expiresAt,
    }),
  );
  return [...items.slice(1), items[0]];
}

/** Checkpoints by stage from the items under a job key (any order, other items ignored). */
export function readCheckpoints(items: Record<string, unknown>[]): Record<string, unknown> {
  const byStage = new Map<string, Map<number, CheckpointItem>>();
  for (const i of items as unknown as CheckpointItem[]) {
    if (typeof i.sk !== "string" || !i.sk.startsWith(CHECKPOINT_PREFIX)) continue;
    const parts = byStage.get(i.stage) ?? new Map<number, CheckpointItem>();
    parts.set(Number(i.part), i);
    byStage.set(i.stage, parts);
  }
  const out: Record<string, unknown> = {};
  for (const [stage, parts] of byStage) {
    const head = parts.get(0);
    if (!head?.parts) continue;
    const all = Array.from({ length: head.parts }, (_, n) => parts.get(n));
    if (all.some((p) => !p || p.rev !== head.rev)) continue;
    out[stage] = JSON.parse(gunzipSync(Buffer.concat(all.map((p) => p!.data))).toString("utf8"));
  }
  return out;
}
