import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { presentsToken } from "../shared/util/shared-token";
import { DocumentError } from "../shared/domain/errors";
import { Deadline } from "../shared/ingest/parse/limits";
import { ocrAvailable, ocrImage, ocrPdfPages } from "../shared/ingest/parse/ocr";
import { logger } from "../shared/observability/logger";
import { readBody } from "./read-body";

// `ragline ocr-host`: the OCR of scanned pages (Tesseract + poppler) as an HTTP service, for functions
// that run where the binaries are not (Lambda: RAGLINE_OCR_URL). Every route but GET /health needs the
// bearer token; bodies are bounded; a page's work is bounded by the caller's deadline and our own.
//   POST /ocr/pdf    PDF bytes, x-ocr-pages: [{page, dpi}]  → {pages: OcrPage[]}
//   POST /ocr/image?ext=png|jpg|tif|gif|bmp  image bytes    → {pages: OcrPage[]}

const IMAGE_EXTS = new Set(["png", "jpg", "tif", "gif", "bmp"]);
const MAX_TIMEOUT_MS = 10 * 60_000;

export interface OcrHostOptions {
  token: string;
  port?: number;
  hostname?: string;
  maxBodyBytes: number;
}

export async function startOcrHost(o: OcrHostOptions): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  if (o.token.length < 16) throw new Error("the OCR host needs RAGLINE_OCR_TOKEN (16+ characters)");
  const server = createServer(
    (req, res) =>
      void handle(req, res).catch((err) => {
        logger.error("ocr host request failed", { error: err as Error });
        if (!res.headersSent) send(res, 500, { error: { code: "internal", message: "OCR failed on the host" } });
      }),
  );

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://ocr");
    if (req.method === "GET" && url.pathname === "/health") return send(res, 200, { ok: await ocrAvailable() });
    if (!presentsToken(req.headers.authorization, o.token)) return send(res, 401, { error: { code: "unauthorized", message: "a bearer token is required" } });
    if (req.method !== "POST" || !["/ocr/pdf", "/ocr/image"].includes(url.pathname))
      return send(res, 404, { error: { code: "not_found", message: `${req.method} ${url.pathname}` } });
    const body = Number(req.headers["content-length"] ?? 0) > o.maxBodyBytes ? "too_large" : await readBody(req, o.maxBodyBytes);
    if (body === "too_large") return send(res, 413, { error: { code: "too_large", message: `the body is larger than ${o.maxBodyBytes} bytes` } });
    const asked = Number(req.headers["x-ocr-timeout-ms"]);
    const deadline = new Deadline(Number.isFinite(asked) && asked > 0 ? Math.min(asked, MAX_TIMEOUT_MS) : MAX_TIMEOUT_MS);
    try {
      if (url.pathname === "/ocr/pdf") {
        const pages = parsePages(req.headers["x-ocr-pages"]);
        if (!pages)
          return send(res, 400, { error: { code: "invalid_request", message: "x-ocr-pages must be a JSON list of {page, dpi} (1..2000 pages, 72..600 dpi)" } });
        return send(res, 200, { pages: await ocrPdfPages(body, pages, deadline) });
      }
      const ext = url.searchParams.get("ext") ?? "";
      if (!IMAGE_EXTS.has(ext)) return send(res, 400, { error: { code: "invalid_request", message: `ext must be one of ${[...IMAGE_EXTS].join(", ")}` } });
      return send(res, 200, { pages: await ocrImage(body, ext, deadline) });
    } catch (err) {
      if (err instanceof DocumentError) return send(res, 422, { error: { code: err.code, message: err.message } });
      throw err;
    }
  }

  await new Promise<void>((resolve) => server.listen(o.port ?? 0, o.hostname ?? "127.0.0.1", resolve));
  const addr = server.address() as { port: number };
  return { server, url: `http://${o.hostname ?? "127.0.0.1"}:${addr.port}`, close: () => new Promise((r) => server.close(() => r())) };
}

function parsePages(raw: string | string[] | undefined): { page: number; dpi: number }[] | undefined {
  try {
    const v = JSON.parse(String(raw)) as unknown;
    if (!Array.isArray(v) || v.length < 1 || v.length > 2000) return undefined;
    const ok = v.every((p) => Number.isInteger(p?.page) && p.page >= 1 && typeof p?.dpi === "number" && p.dpi >= 72 && p.dpi <= 600);
    return ok ? v.map((p) => ({ page: p.page as number, dpi: p.dpi as number })) : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
