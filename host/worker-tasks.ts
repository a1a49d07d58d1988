import { HashedNgramEmbedder } from "../shared/adapters/local/hashed-ngram-embedder";
import { parseAndChunk as parseAndChunkHere } from "../shared/ingest/parse-and-chunk";
import type { ParseChunkRequest, ParsedChunks } from "../shared/ports/offload";
import { ownBytes, type TaskResult } from "../shared/runtime/worker-pool";

// The tasks a host worker thread runs: the core's own functions, with their bytes re-wrapped
// (a Buffer crosses threads as a plain Uint8Array) and handed back without a copy.

export const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export async function parseAndChunk(req: ParseChunkRequest): Promise<TaskResult<ParsedChunks>> {
  const out = await parseAndChunkHere({ ...req, body: asBuffer(req.body) });
  const transfer: ArrayBuffer[] = [];
  const attachments = out.attachments?.map((a) => {
    const own = ownBytes(a.body);
    transfer.push(own.transfer);
    return { ...a, body: asBuffer(own.bytes) };
  });
  return { value: { ...out, attachments }, transfer };
}

const embedders = new Map<string, HashedNgramEmbedder>();

/** Document texts → vectors with the local embedder of `model`, each vector's buffer handed back. */
export async function embedLocal({ model, texts }: { model: string; texts: string[] }): Promise<TaskResult<Float32Array[]>> {
  let embedder = embedders.get(model);
  if (!embedder) {
    embedder = HashedNgramEmbedder.fromModelId(model);
    if (!embedder) throw new Error(`no local embedder for model ${model}`);
    embedders.set(model, embedder);
  }
  const vectors = await embedder.embed(texts);
  return { value: vectors, transfer: vectors.map((v) => v.buffer as ArrayBuffer) };
}
