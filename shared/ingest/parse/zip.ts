import yauzl from "yauzl";
import { DocumentError } from "../../domain/errors";
import type { ParseLimits } from "./limits";

// What the Office parsers need before they unzip an untrusted container: the entry names (to tell docx from
// xlsx) and a bomb check. yauzl reads the central directory and, while inflating, fails an entry whose bytes
// pass its declared size; so the declared sizes are checked against the limits first, then every entry is
// inflated (streamed and counted, never held) to prove they did not lie.

export interface ZipEntry {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
}

type ZipLimits = Pick<ParseLimits, "maxUncompressedBytes" | "maxZipEntries" | "maxCompressionRatio">;

/** The local file header signature: the magic bytes of a zip container. */
export function isZip(body: Buffer): boolean {
  return body.length >= 4 && body.readUInt32LE(0) === 0x04034b50;
}

/** Entries from the central directory; throws `corrupt_document` when it is missing or damaged. */
export async function zipEntries(body: Buffer): Promise<ZipEntry[]> {
  const zip = await openZip(body);
  try {
    return (await readEntries(zip)).map(toZipEntry);
  } finally {
    zip.close();
  }
}

/**
 * Throws `zip_bomb` when the container would expand past the limits, `encrypted_document` when an entry is
 * password-protected, `corrupt_document` when an entry is unreadable.
 */
export async function checkZipBomb(body: Buffer, limits: ZipLimits): Promise<ZipEntry[]> {
  const zip = await openZip(body);
  try {
    // The count comes from the end record, before a single entry is read.
    if (zip.entryCount > limits.maxZipEntries)
      throw new DocumentError("zip_bomb", `the container has ${zip.entryCount} entries (limit ${limits.maxZipEntries})`);
    const entries = await readEntries(zip);
    const files = entries.filter((e) => !e.fileName.endsWith("/"));
    const total = files.reduce((n, e) => n + e.uncompressedSize, 0);
    const compressed = files.reduce((n, e) => n + e.compressedSize, 0);
    if (total > limits.maxUncompressedBytes) throw new DocumentError("zip_bomb", `the container expands past ${limits.maxUncompressedBytes} bytes`);
    // Ordinary Office XML compresses 5-30x; hundreds of times on a large total is a bomb.
    if (total > 16 * 1024 * 1024 && total / Math.max(1, compressed) > limits.maxCompressionRatio) {
      throw new DocumentError("zip_bomb", `the container expands ${Math.round(total / Math.max(1, compressed))}x (limit ${limits.maxCompressionRatio}x)`);
    }
    for (const e of files) await inflateAndCount(zip, e);
    return entries.map(toZipEntry);
  } finally {
    zip.close();
  }
}

async function openZip(body: Buffer): Promise<yauzl.ZipFile> {
  try {
    return await yauzl.fromBufferPromise(withoutTrailingBytes(body), { validateEntrySizes: true });
  } catch (err) {
    throw new DocumentError("corrupt_document", `the zip container is truncated or damaged (${(err as Error).message})`, err);
  }
}

async function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  const entries: yauzl.Entry[] = [];
  try {
    for await (const e of zip.eachEntry()) entries.push(e);
  } catch (err) {
    throw new DocumentError("corrupt_document", `the zip central directory is damaged (${(err as Error).message})`, err);
  }
  return entries;
}

/** Inflates one entry to nowhere; yauzl fails the stream once it passes the entry's declared size. */
async function inflateAndCount(zip: yauzl.ZipFile, e: yauzl.Entry): Promise<void> {
  if (e.isEncrypted()) throw new DocumentError("encrypted_document", `zip entry ${e.fileName} is password-protected`);
  try {
    const stream = await zip.openReadStreamPromise(e);
    for await (const _ of stream);
  } catch (err) {
    const message = (err as Error).message;
    if (message.startsWith("too many bytes"))
      throw new DocumentError("zip_bomb", `zip entry ${e.fileName} expands past its declared ${e.uncompressedSize} bytes`, err);
    throw new DocumentError("corrupt_document", `zip entry ${e.fileName} cannot be read (${message})`, err);
  }
}

/**
 * The container up to the end of its end record. Bytes after it (padding, a transfer tool's junk) are
 * ignored by the Office parsers (jszip) but refused by yauzl, so they are cut off here.
 */
function withoutTrailingBytes(body: Buffer): Buffer {
  const EOCD = 0x06054b50;
  for (let i = body.length - 22; i >= Math.max(0, body.length - 22 - 0xffff); i--) {
    if (body.readUInt32LE(i) !== EOCD) continue;
    const end = i + 22 + body.readUInt16LE(i + 20);
    if (end <= body.length) return body.subarray(0, end);
  }
  return body; // no end record: yauzl says so
}

function toZipEntry(e: yauzl.Entry): ZipEntry {
  return { name: e.fileName, compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize };
}
