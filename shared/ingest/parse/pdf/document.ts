import { getDocumentProxy, getResolvedPDFJS } from "unpdf";
import { DocumentError } from "../../../domain/errors";

// Opening a PDF with pdfjs (through unpdf), with its failures mapped to document errors.

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;
export type PdfPage = Awaited<ReturnType<PdfDocument["getPage"]>>;
export type { PdfDocument };

// pdfjs 5 hands fonts to the main thread with ArrayBuffer.prototype.transferToFixedLength, which Node 20
// lacks (Node 21+ has it). Without it font names (bold) are lost; a copying stand-in is enough for us.
const proto = ArrayBuffer.prototype as unknown as { transferToFixedLength?: (len?: number) => ArrayBuffer };
if (!proto.transferToFixedLength) {
  Object.defineProperty(ArrayBuffer.prototype, "transferToFixedLength", {
    configurable: true,
    writable: true,
    value(this: ArrayBuffer, len?: number) {
      const out = new ArrayBuffer(len ?? this.byteLength);
      new Uint8Array(out).set(new Uint8Array(this, 0, Math.min(out.byteLength, this.byteLength)));
      return out;
    },
  });
}

export async function openPdf(body: Buffer): Promise<PdfDocument> {
  try {
    // verbosity 0: pdfjs logs every recoverable font quirk otherwise.
    return await getDocumentProxy(new Uint8Array(body), { verbosity: 0, isEvalSupported: false });
  } catch (err) {
    throw pdfError(err);
  }
}

export function pdfError(err: unknown): DocumentError {
  if (err instanceof DocumentError) return err;
  const name = (err as { name?: string })?.name ?? "";
  const msg = err instanceof Error ? err.message : String(err);
  if (name === "PasswordException" || /password/i.test(msg)) return new DocumentError("encrypted_document", "the PDF is password-protected", err);
  if (name === "InvalidPDFException") return new DocumentError("corrupt_document", `the PDF is damaged: ${msg}`, err);
  return new DocumentError("corrupt_document", `the PDF could not be read: ${msg}`, err);
}

let ops: Record<string, number> | undefined;
/** pdfjs operator codes (paintImageXObject, ...). */
export async function pdfOps(): Promise<Record<string, number>> {
  ops ??= ((await getResolvedPDFJS()) as unknown as { OPS: Record<string, number> }).OPS;
  return ops;
}
