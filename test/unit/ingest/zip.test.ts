import { describe, expect, it } from "vitest";
import { checkZipBomb, zipEntries } from "../../../shared/ingest/parse/zip";
import { makeDocx } from "./docx-fixture";
import { zipSync } from "./zip-helper";

// The Office container check on hostile zips: each way a container lies or breaks fails with its own code,
// before the Office parsers inflate anything.

const LIMITS = { maxUncompressedBytes: 8 * 1024 * 1024, maxZipEntries: 100, maxCompressionRatio: 200 };

/** Rewrites the first central directory record of a zipSync container (its field at `at`, 16 or 32 bits). */
function patchCentral(zip: Buffer, at: number, value: number, bits: 16 | 32): Buffer {
  const out = Buffer.from(zip);
  const cd = out.readUInt32LE(out.length - 22 + 16);
  if (bits === 16) out.writeUInt16LE(value, cd + at);
  else out.writeUInt32LE(value, cd + at);
  return out;
}

describe("zip container check", () => {
  it("a real docx passes and lists its entries with their sizes", async () => {
    const entries = await checkZipBomb(makeDocx([{ p: "Revenue grew by four percent." }]), LIMITS);
    expect(entries.map((e) => e.name)).toContain("word/document.xml");
    expect(entries.every((e) => e.uncompressedSize >= 0 && e.compressedSize >= 0)).toBe(true);
  });

  it("bytes after the end record are ignored, as the Office parsers ignore them", async () => {
    const docx = makeDocx([{ p: "Revenue grew by four percent." }]);
    const padded = Buffer.concat([docx, Buffer.alloc(512), Buffer.from("\r\n")]);
    expect((await checkZipBomb(padded, LIMITS)).map((e) => e.name)).toContain("word/document.xml");
  });

  it("an entry whose declared size is a lie is a bomb, found while inflating", async () => {
    const honest = zipSync({ "word/document.xml": Buffer.alloc(4 * 1024 * 1024, 0x41) });
    const lying = patchCentral(honest, 24, 1000, 32);
    await expect(checkZipBomb(lying, LIMITS)).rejects.toMatchObject({ code: "zip_bomb", message: expect.stringMatching(/past its declared 1000 bytes/) });
  });

  it("too many entries fail before any is read", async () => {
    const files = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`word/part${i}.xml`, "<x/>"]));
    await expect(checkZipBomb(zipSync(files), { ...LIMITS, maxZipEntries: 4 })).rejects.toMatchObject({
      code: "zip_bomb",
      message: expect.stringMatching(/5 entries/),
    });
  });

  it("a password-protected entry is an encrypted document", async () => {
    const encrypted = patchCentral(zipSync({ "word/document.xml": "<w/>" }), 8, 0x0001, 16);
    await expect(checkZipBomb(encrypted, LIMITS)).rejects.toMatchObject({ code: "encrypted_document" });
  });

  it("an unknown compression method and a cut container are corrupt", async () => {
    const bzip2 = patchCentral(zipSync({ "word/document.xml": "<w/>" }), 10, 12, 16);
    await expect(checkZipBomb(bzip2, LIMITS)).rejects.toMatchObject({ code: "corrupt_document", message: expect.stringMatching(/compression method/) });
    const docx = makeDocx([{ p: "hello" }]);
    await expect(zipEntries(docx.subarray(0, docx.length - 30))).rejects.toMatchObject({ code: "corrupt_document" });
  });

  it("a local header that points past the end is corrupt", async () => {
    const zip = zipSync({ "word/document.xml": "<w/>" });
    const pastEnd = patchCentral(zip, 42, zip.length + 10, 32);
    await expect(checkZipBomb(pastEnd, LIMITS)).rejects.toMatchObject({ code: "corrupt_document" });
  });
});
