import type { ParsedDocument } from "../../domain/document";
import { DocumentError } from "../../domain/errors";
import { TYPES } from "./detect";
import { imageSize, imageToPdf } from "./image-pdf";
import { ocrAvailable, ocrImage, ocrPdfPages, type OcrPage } from "./ocr";
import type { ParseEnv, ParseInput, Parser } from "./types";

// Images (scans, photos of documents, faxes): OCR with Tesseract. A multi-page TIFF gives one page per frame.
// Images under ~200 dpi (for a letter-wide page) are upsampled through poppler first: on ten FUNSD faxes word
// recall of their keys and answers goes from 0.70 (as they are) to 0.82.

const UPSAMPLE_BELOW_PX = 1700; // 8.5 in at 200 dpi

const EXT: Record<string, string> = { [TYPES.png]: "png", [TYPES.jpeg]: "jpg", [TYPES.tiff]: "tif", [TYPES.gif]: "gif", [TYPES.bmp]: "bmp" };

export const imageParser: Parser = {
  types: Object.keys(EXT),
  async parse({ body }: ParseInput, env: ParseEnv): Promise<ParsedDocument> {
    if (env.limits.maxOcrPages <= 0) throw new DocumentError("ocr_disabled", "the file is an image and OCR is disabled");
    if (!(await ocrAvailable(env.limits.ocrHost)))
      throw new DocumentError(
        "ocr_unavailable",
        env.limits.ocrHost
          ? `the file is an image and the OCR host ${env.limits.ocrHost.url} is not available`
          : "the file is an image and Tesseract is not installed (Debian: tesseract-ocr, tesseract-ocr-eng)",
      );
    const pages = await recognise(body, env).catch((err) => {
      // Tesseract fails on images it cannot decode: that is the file's fault, not the service's.
      if (err instanceof DocumentError && err.code === "ocr_failed")
        throw new DocumentError("corrupt_document", `the image could not be read (${err.message})`, err);
      throw err;
    });
    if (pages.length > env.limits.maxOcrPages)
      throw new DocumentError("too_many_pages", `the image has ${pages.length} pages (OCR limit ${env.limits.maxOcrPages})`);
    const warnings = pages
      .filter((p) => p.words && p.confidence < env.limits.lowOcrConfidence)
      .map((p) => `page ${p.page}: low OCR confidence ${p.confidence.toFixed(2)}`);
    const blocks = pages.flatMap((p) => p.blocks);
    const confidence =
      pages.reduce((s, p) => s + p.confidence * p.words, 0) /
      Math.max(
        1,
        pages.reduce((s, p) => s + p.words, 0),
      );
    return {
      contentType: env.type,
      title: blocks.find((b) => b.kind === "heading")?.text,
      blocks,
      pages: pages.length,
      metadata: { ocr: "tesseract", ocrConfidence: confidence.toFixed(3) },
      ...(warnings.length ? { warnings } : {}),
    };
  },
};

async function recognise(body: Buffer, env: ParseEnv): Promise<OcrPage[]> {
  const size = imageSize(body);
  if (size && size.width < UPSAMPLE_BELOW_PX) {
    let pdf: Buffer | undefined;
    try {
      pdf = imageToPdf(body);
    } catch (err) {
      throw new DocumentError("corrupt_document", "the image data is damaged", err);
    }
    // At most 4x: a small screenshot blown up to a full page reads worse, not better.
    const dpi = Math.min(env.limits.ocrDpi, Math.round((4 * size.width) / 8.5));
    if (pdf) return ocrPdfPages(pdf, [{ page: 1, dpi }], env.deadline, env.limits.ocrHost);
  }
  return ocrImage(body, EXT[env.type], env.deadline, env.limits.ocrHost);
}
