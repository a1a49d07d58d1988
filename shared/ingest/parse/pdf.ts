import { extractText, getDocumentProxy } from "unpdf";
import type { Block, ParsedDocument } from "../../domain/document";
import { DocumentError } from "../../domain/errors";
import type { ParseInput, Parser } from "./types";

// PDF text layer, page by page. Lines are joined into paragraphs; page numbers are kept on every block.

export const pdfParser: Parser = {
  types: ["application/pdf"],
  async parse({ body }: ParseInput): Promise<ParsedDocument> {
    let pages: string[];
    try {
      const pdf = await getDocumentProxy(new Uint8Array(body));
      pages = (await extractText(pdf, { mergePages: false })).text as string[];
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (/password/i.test(msg)) throw new DocumentError("encrypted_document", "the PDF is password-protected", err);
      throw new DocumentError("corrupt_document", `the PDF could not be read: ${msg}`, err);
    }
    const blocks: Block[] = [];
    pages.forEach((pageText, i) => {
      for (const para of pageText.split(/\n\s*\n/)) {
        const text = para.replace(/-\n(?=[a-z])/g, "").replace(/\s*\n\s*/g, " ").trim();
        if (text) blocks.push({ kind: "paragraph", text, page: i + 1 });
      }
    });
    if (!blocks.length) throw new DocumentError("no_text", "the PDF has no text layer (scanned pages need OCR)");
    return { contentType: "application/pdf", blocks, pages: pages.length };
  },
};
