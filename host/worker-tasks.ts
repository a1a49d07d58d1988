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
