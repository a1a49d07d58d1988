import type { Context } from "../shared/runtime/context";
import { embeddingText } from "../shared/domain/chunk";
import { chunkDocument } from "../shared/ingest/chunk";
import { objectMetadata } from "../shared/ingest/metadata";
import { parseDocument } from "../shared/ingest/parse";
import { sha256 } from "../shared/util/hash";

// The ingestion stages called directly, with no queue, catalog or event in between: parse, chunk,
// embed, stage and activate. The yardstick the pipeline is measured against.

export interface Doc {
  id: string;
  title: string;
  text: string;
}

export const docBody = (doc: Doc) => Buffer.from(`${doc.title}\n\n${doc.text}`);

export async function ingestDirectly(ctx: Context, docs: Doc[], opts: { prefix?: string } = {}): Promise<number> {
  let chunkCount = 0;
  for (const doc of docs) {
    const key = `${opts.prefix ?? ""}${doc.id}.txt`;
    const body = docBody(doc);
    const metadata = objectMetadata(key, {}, ctx.config.RAGLINE_DEFAULT_ACCESS);
    const version = sha256(sha256(body) + JSON.stringify(metadata)).slice(0, 16);
    const parsed = await parseDocument({ key, body, contentType: "text/plain" });
    const chunks = chunkDocument(
      parsed,
      { documentKey: key, version, metadata },
      { maxWords: ctx.config.RAGLINE_CHUNK_WORDS, overlapWords: ctx.config.RAGLINE_CHUNK_OVERLAP_WORDS },
    );
    const vectors = await ctx.embedder.embed(chunks.map(embeddingText), "document");
    await ctx.index.stage(chunks.map((c, i) => ({ ...c, vector: vectors[i], embeddingModel: ctx.embedder.model })));
    if (!(await ctx.index.servingModel())) await ctx.index.switchServingModel(ctx.embedder.model);
    await ctx.index.activate(key, version);
    chunkCount += chunks.length;
  }
  return chunkCount;
}
