import { embeddingText } from "../../shared/domain/chunk";
import type { ParsedDocument } from "../../shared/domain/document";
import { chunkDocument } from "../../shared/ingest/chunk";
import type { Context } from "../../shared/runtime/context";

/**
 * A parsed document chunked, embedded (the text the pipeline embeds), staged and made live as version
 * v1, with no queue or catalog in between: for tests of the query path on real documents.
 */
export async function indexParsed(ctx: Context, key: string, doc: ParsedDocument, chunking: { maxWords: number; overlapWords: number }): Promise<void> {
  const chunks = chunkDocument(doc, { documentKey: key, version: "v1", metadata: {} }, chunking);
  const vectors = await ctx.embedder.embed(chunks.map(embeddingText), "document");
  await ctx.index.stage(chunks.map((c, i) => ({ ...c, vector: vectors[i], embeddingModel: ctx.embedder.model })));
  await ctx.index.activate(key, "v1");
}
