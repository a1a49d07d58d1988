import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOcrHost } from "../../../host/ocr-host";
import { parseDocument } from "../../../shared/ingest/parse";
import { DATASETS } from "../../helpers/datasets";

// OCR where Tesseract is absent (Lambda): scanned pages go to `ragline ocr-host`, the same OCR code
// behind a bearer token. Real Tesseract and poppler run inside the host here; the parser is given the
// host (RAGLINE_OCR_URL) and must not need its own binaries for the result.

const TOKEN = "ocr-token-0123456789abcdef";
const SCAN = join(DATASETS, "funsd", "docs", "scanned_pdf", "82254765.pdf");

describe("OCR host over HTTP (ragline ocr-host, real Tesseract inside)", () => {
  let host: Awaited<ReturnType<typeof startOcrHost>>;
  let requests: string[] = [];
  beforeAll(async () => {
    host = await startOcrHost({ token: TOKEN, maxBodyBytes: 5 * 1024 * 1024 });
    host.server.prependListener("request", (req) => requests.push(`${req.method} ${req.url}`));
  });
  afterAll(async () => {
    await host?.close();
  });

  it("a scanned PDF parsed with an OCR host reads its pages there, the same text as locally", async () => {
    requests = [];
    const body = readFileSync(SCAN);
    const remote = await parseDocument({ key: "fax.pdf", body }, { ocrHost: { url: host.url, token: TOKEN } });
    expect(requests).toEqual(["GET /health", "POST /ocr/pdf"]);
    const local = await parseDocument({ key: "fax.pdf", body });
    expect(remote.blocks.map((b) => b.text)).toEqual(local.blocks.map((b) => b.text));
    expect(remote.blocks.every((b) => b.page === 1 && b.ocrConfidence! > 0)).toBe(true);
  }, 120_000);

  it("an image goes to POST /ocr/image (or through the PDF path when it is upsampled)", async () => {
    requests = [];
    const png = readFileSync(join(DATASETS, "funsd", "docs", "images", "82254765.png"));
    const doc = await parseDocument({ key: "fax.png", body: png }, { ocrHost: { url: host.url, token: TOKEN } });
    expect(doc.contentType).toBe("image/png");
    expect(doc.blocks.length).toBeGreaterThan(3);
    expect(requests.filter((r) => r.startsWith("POST /ocr/"))).toHaveLength(1);
  }, 120_000);

  it("without the token the host answers 401 and the parser says OCR is unavailable; a damaged image keeps its code", async () => {
    const post = (path: string, headers: Record<string, string>, body: Buffer) =>
      fetch(`${host.url}${path}`, { method: "POST", headers, body: new Uint8Array(body) });
    expect((await post("/ocr/image?ext=png", {}, Buffer.from("x"))).status).toBe(401);
    expect((await post("/ocr/image?ext=png", { authorization: "Bearer wrong-token-0123456789a" }, Buffer.from("x"))).status).toBe(401);
    expect((await post("/ocr/pdf", { authorization: `Bearer ${TOKEN}`, "x-ocr-pages": '[{"page":0,"dpi":9000}]' }, Buffer.from("%PDF-1.4"))).status).toBe(400);
    expect(
      (await post("/ocr/image?ext=png", { authorization: `Bearer ${TOKEN}`, "content-length": String(6 * 1024 * 1024) }, Buffer.alloc(6 * 1024 * 1024))).status,
    ).toBe(413);
    const png = readFileSync(join(DATASETS, "funsd", "docs", "images", "82254765.png"));
    await expect(parseDocument({ key: "fax.png", body: png }, { ocrHost: { url: host.url, token: "wrong-token-0123456789a" } })).rejects.toMatchObject({
      code: "ocr_unavailable",
    });
    const damaged = Buffer.concat([png.subarray(0, 64), Buffer.alloc(2000, 7)]);
    await expect(parseDocument({ key: "bad.png", body: damaged }, { ocrHost: { url: host.url, token: TOKEN } })).rejects.toMatchObject({
      code: "corrupt_document",
    });
  }, 120_000);

  it("refuses to start without a token of 16+ characters", async () => {
    await expect(startOcrHost({ token: "short", maxBodyBytes: 1024 })).rejects.toThrow(/RAGLINE_OCR_TOKEN/);
  });
});
