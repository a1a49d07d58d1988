import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { TransientError } from "../../domain/errors";

// BatchWriteItem takes 25 requests and may leave some of them undone (UnprocessedItems) when a
// partition is throttled; they must be sent again, with backoff, or the writes are silently lost.

type WriteRequest = NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]["RequestItems"]>[string][number];

export async function batchWriteAll(
  db: Pick<DynamoDBDocumentClient, "send">,
  table: string,
  requests: WriteRequest[],
  opts: { tries?: number; baseDelayMs?: number } = {},
): Promise<void> {
  const tries = opts.tries ?? 8;
  const base = opts.baseDelayMs ?? 50;
  for (let k = 0; k < requests.length; k += 25) {
    let pending = requests.slice(k, k + 25);
    for (let attempt = 1; pending.length; attempt++) {
      const r = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (r.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      if (!pending.length) break;
      if (attempt >= tries) throw new TransientError(`DynamoDB left ${pending.length} writes unprocessed after ${tries} tries (throttled)`);
      await new Promise((res) => setTimeout(res, Math.min(2000, base * 2 ** attempt) * (0.5 + Math.random() / 2)));
    }
  }
}
