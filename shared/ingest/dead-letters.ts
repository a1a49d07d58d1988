import type { EmbedMessage, IndexMessage, SourceChanged } from "../../events/messages";
import { decodeS3Key, type S3Notification, type S3TestEvent } from "../../events/s3";
import { logger } from "../observability/logger";
import type { Uses } from "../runtime/context";

// A message on its last attempt failed: the queue will dead-letter it, and nothing else would ever
// tell its document. The document is marked failed with the reason, so it shows as failed (not
// `processing` forever) and can be retried (POST /documents/{key}/retry, a re-upload, reconciliation).

type IngestMessage = EmbedMessage | IndexMessage | SourceChanged | S3Notification | S3TestEvent;

export async function markDeadLettered(ctx: Uses<"catalog">, stage: string, msg: IngestMessage, err: unknown, receives: number): Promise<void> {
  const reason = (key: string) =>
    `dead_lettered: the ${stage} stage failed ${receives} times (last: ${(err as Error)?.message ?? String(err)}); POST /documents/${key}/retry ingests it again`;
  if ("documentKey" in msg && "version" in msg) {
    // Only the version the message was for: a newer version in flight is not failed by an old message.
    await ctx.catalog.putIfVersion(msg.documentKey, msg.version, { status: "failed", error: reason(msg.documentKey) });
    return;
  }
  const keys =
    "Records" in msg && Array.isArray(msg.Records)
      ? msg.Records.map((r) => decodeS3Key(r.s3.object.key))
      : "key" in msg && typeof msg.key === "string"
        ? [msg.key]
        : [];
  for (const key of keys) {
    const rec = await ctx.catalog.get(key);
    if (rec && (rec.status === "processing" || rec.status === "pending")) await ctx.catalog.put(key, { status: "failed", error: reason(key) });
  }
  if (keys.length) logger.warn("ingest message dead-lettered", { stage, keys, receives });
}
