import type { DocumentRecord } from "../domain/document";
import type { Uses } from "../runtime/context";

const PAGE = 1000;

/** Every catalog record (optionally of one status), read page by page rather than in one unbounded call. */
export async function allDocuments(ctx: Uses<"catalog">, status?: DocumentRecord["status"]): Promise<DocumentRecord[]> {
  const out: DocumentRecord[] = [];
  for (let after: string | undefined; ; ) {
    const page = await ctx.catalog.list({ status, after, limit: PAGE });
    out.push(...page);
    if (page.length < PAGE) return out;
    after = page[page.length - 1].key;
  }
}
