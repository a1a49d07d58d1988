import { documentsOfIngestMessage } from "../../events/ingest-documents";
import { logger } from "../observability/logger";
import type { Uses } from "../runtime/context";

// A message on its last attempt failed: the queue will dead-letter it, and nothing else would ever
// tell its document. The document is marked failed with the reason, so it shows as failed (not
// `processing` forever) and can be retried (POST /documents/{key}/retry, a re-upload, reconciliation).

export async function markDeadLettered(ctx: Uses<"catalog">, stage: string, msg: unknown, err: unknown, receives: number): Promise<void> {
  const reason = (key: string) =>
    `dead_lettered: the ${stage} stage failed ${receives} times (last: ${(err as Error)?.message ?? String(err)}); POST /documents/${key}/retry ingests it again`;
  const docs = documentsOfIngestMessage(msg);
  for (const { key, version } of docs) {
    // Only the version the message was for: a newer version in flight is not failed by an old message.
    if (version !== undefined) {
      await ctx.catalog.putIfVersion(key, version, { status: "failed", error: reason(key) });
      continue;
    }
    const rec = await ctx.catalog.get(key);
    if (rec && (rec.status === "processing" || rec.status === "pending")) await ctx.catalog.put(key, { status: "failed", error: reason(key) });
  }
  if (docs.length) logger.warn("ingest message dead-lettered", { stage, keys: docs.map((d) => d.key), receives });
}
