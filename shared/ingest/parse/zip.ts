import { inflateRawSync } from "node:zlib";
import { DocumentError } from "../../domain/errors";
import type { ParseLimits } from "./limits";

// Minimal zip reader for what the Office parsers need before they unzip: the entry names (to tell docx
// from xlsx) and a bomb check. Sizes in the central directory can lie, so the check inflates every entry
// with a hard output cap instead of trusting them.

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function isZip(body: Buffer): boolean {
  return body.length >= 4 && body.readUInt32LE(0) === LOCAL;
}

/** Entries from the central directory; throws `corrupt_document` when there is none. */
export function zipEntries(body: Buffer): ZipEntry[] {
  const eocd = findEocd(body);
  if (eocd < 0) throw new DocumentError("corrupt_document", "the zip container is truncated (no central directory)");
  let count = body.readUInt16LE(eocd + 10);
  let cdOffset = body.readUInt32LE(eocd + 16);
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && body.readUInt32LE(eocd - 20) === ZIP64_LOCATOR) {
    const rec = Number(body.readBigUInt64LE(eocd - 20 + 8));
    if (rec + 56 > body.length) throw new DocumentError("corrupt_document", "the zip64 directory is truncated");
    count = Number(body.readBigUInt64LE(rec + 32));
    cdOffset = Number(body.readBigUInt64LE(rec + 48));
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > body.length || body.readUInt32LE(p) !== CENTRAL) throw new DocumentError("corrupt_document", "the zip central directory is damaged");
    const nameLen = body.readUInt16LE(p + 28);
    const extraLen = body.readUInt16LE(p + 30);
    const commentLen = body.readUInt16LE(p + 32);
    const entry: ZipEntry = {
      name: body.toString("utf8", p + 46, p + 46 + nameLen),
      method: body.readUInt16LE(p + 10),
      compressedSize: body.readUInt32LE(p + 20),
      uncompressedSize: body.readUInt32LE(p + 24),
      localHeaderOffset: body.readUInt32LE(p + 42),
    };
    readZip64Extra(body, p + 46 + nameLen, extraLen, entry);
    entries.push(entry);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Throws `zip_bomb` when the container would expand past the limits, `corrupt_document` when an entry is unreadable. */
export function checkZipBomb(body: Buffer, limits: Pick<ParseLimits, "maxUncompressedBytes" | "maxZipEntries" | "maxCompressionRatio">): ZipEntry[] {
  const entries = zipEntries(body);
  if (entries.length > limits.maxZipEntries) throw new DocumentError("zip_bomb", `the container has ${entries.length} entries (limit ${limits.maxZipEntries})`);
  let total = 0;
  let compressed = 0;
  for (const e of entries) {
    if (e.name.endsWith("/")) continue;
    const budget = limits.maxUncompressedBytes - total;
    const data = entryData(body, e);
    compressed += data.length;
    let size: number;
    if (e.method === 0) size = data.length;
    else if (e.method === 8) {
      try {
        size = inflateRawSync(data, { maxOutputLength: Math.max(1, budget) }).length;
      } catch (err) {
        if (err instanceof RangeError || (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
          throw new DocumentError("zip_bomb", `the container expands past ${limits.maxUncompressedBytes} bytes`);
        }
        throw new DocumentError("corrupt_document", `zip entry ${e.name} cannot be inflated`, err);
      }
    } else throw new DocumentError("corrupt_document", `zip entry ${e.name} uses unsupported compression method ${e.method}`);
    total += size;
    if (total > limits.maxUncompressedBytes) throw new DocumentError("zip_bomb", `the container expands past ${limits.maxUncompressedBytes} bytes`);
  }
  // Ordinary Office XML compresses 5-30x; hundreds of times on a large total is a bomb.
  if (total > 16 * 1024 * 1024 && total / Math.max(1, compressed) > limits.maxCompressionRatio) {
    throw new DocumentError("zip_bomb", `the container expands ${Math.round(total / Math.max(1, compressed))}x (limit ${limits.maxCompressionRatio}x)`);
  }
  return entries;
}

function entryData(body: Buffer, e: ZipEntry): Buffer {
  const p = e.localHeaderOffset;
  if (p + 30 > body.length || body.readUInt32LE(p) !== LOCAL) throw new DocumentError("corrupt_document", `zip entry ${e.name} is missing its local header`);
  const start = p + 30 + body.readUInt16LE(p + 26) + body.readUInt16LE(p + 28);
  if (start + e.compressedSize > body.length) throw new DocumentError("corrupt_document", `zip entry ${e.name} is truncated`);
  return body.subarray(start, start + e.compressedSize);
}

function findEocd(body: Buffer): number {
  const stop = Math.max(0, body.length - 22 - 0xffff);
  for (let i = body.length - 22; i >= stop; i--) if (body.readUInt32LE(i) === EOCD) return i;
  return -1;
}

function readZip64Extra(body: Buffer, start: number, len: number, e: ZipEntry): void {
  for (let q = start; q + 4 <= start + len; ) {
    const id = body.readUInt16LE(q);
    const size = body.readUInt16LE(q + 2);
    if (id === 0x0001) {
      let r = q + 4;
      if (e.uncompressedSize === 0xffffffff) { e.uncompressedSize = Number(body.readBigUInt64LE(r)); r += 8; }
      if (e.compressedSize === 0xffffffff) { e.compressedSize = Number(body.readBigUInt64LE(r)); r += 8; }
      if (e.localHeaderOffset === 0xffffffff) e.localHeaderOffset = Number(body.readBigUInt64LE(r));
    }
    q += 4 + size;
  }
}
