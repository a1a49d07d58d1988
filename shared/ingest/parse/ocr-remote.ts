import { DocumentError } from "../../domain/errors";
import type { Deadline } from "./limits";
import type { OcrPage } from "./types";

// OCR on an OCR host over HTTP (`ragline ocr-host`: the same Tesseract + poppler code behind a token),
// for runtimes without the binaries (Lambda). The host answers what the local path would have returned;
// its document errors keep their codes (a damaged image is still the file's fault).

export interface OcrHost {
  url: string;
  token?: string;
}

const KEPT_CODES = new Set(["ocr_failed", "parse_timeout", "corrupt_document"]);

async function call(
  host: OcrHost,
  path: string,
  body: Buffer | undefined,
  deadline: Deadline | undefined,
  headers: Record<string, string> = {},
): Promise<unknown> {
  const timeoutMs = deadline ? deadline.remaining() : 10_000;
  if (timeoutMs <= 0) throw new DocumentError("parse_timeout", "no time left for OCR");
  let res: Response;
  try {
    res = await fetch(`${host.url.replace(/\/+$/, "")}${path}`, {
      method: body ? "POST" : "GET",
      headers: { ...(host.token ? { authorization: `Bearer ${host.token}` } : {}), ...(deadline ? { "x-ocr-timeout-ms": String(timeoutMs) } : {}), ...headers },
      body: body ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : undefined,
      signal: AbortSignal.timeout(timeoutMs + 2_000),
    });
  } catch (err) {
    // Unreachable or too slow: the queue retries the document later.
    throw new Error(`OCR host ${host.url} did not answer: ${(err as Error).message}`, { cause: err });
  }
  const text = await res.text();
  const json = (() => {
    try {
      return JSON.parse(text) as { error?: { code?: string; message?: string } };
    } catch {
      return undefined;
    }
  })();
  if (res.ok && json) return json;
  const code = json?.error?.code;
  if (code && KEPT_CODES.has(code)) throw new DocumentError(code as "ocr_failed", json!.error!.message ?? code);
  if (res.status === 401 || res.status === 403) throw new DocumentError("ocr_unavailable", `OCR host ${host.url} refused the token (${res.status})`);
  throw new Error(`OCR host ${host.url} answered ${res.status}: ${text.slice(0, 200)}`);
}

export async function remoteOcrAvailable(host: OcrHost): Promise<boolean> {
  try {
    return ((await call(host, "/health", undefined, undefined)) as { ok?: boolean }).ok === true;
  } catch {
    return false;
  }
}

export async function remoteOcrPdfPages(host: OcrHost, body: Buffer, pages: { page: number; dpi: number }[], deadline: Deadline): Promise<OcrPage[]> {
  return ((await call(host, "/ocr/pdf", body, deadline, { "content-type": "application/pdf", "x-ocr-pages": JSON.stringify(pages) })) as { pages: OcrPage[] })
    .pages;
}

export async function remoteOcrImage(host: OcrHost, body: Buffer, ext: string, deadline: Deadline): Promise<OcrPage[]> {
  return (
    (await call(host, `/ocr/image?ext=${encodeURIComponent(ext)}`, body, deadline, { "content-type": "application/octet-stream" })) as { pages: OcrPage[] }
  ).pages;
}
