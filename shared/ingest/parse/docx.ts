import type { ParsedDocument } from "../../domain/document";
import { DocumentError } from "../../domain/errors";
import { htmlParser } from "./html";
import type { ParseEnv, ParseInput, Parser } from "./types";
import { checkZipBomb } from "./zip";

// docx: mammoth turns the Word structure (heading styles, lists, tables) into plain HTML, which the HTML
// parser turns into blocks; one structural walker for both formats.

export const DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/** Word's "Title" and "Subtitle" styles are headings too; mammoth maps Heading 1-6 by itself. */
const STYLE_MAP = ["p[style-name='Title'] => h1:fresh", "p[style-name='Subtitle'] => h2:fresh"];

export const docxParser: Parser = {
  types: [DOCX_TYPE],
  async parse(input: ParseInput, env: ParseEnv): Promise<ParsedDocument> {
    // Inflating an untrusted container is only safe after the bomb check.
    const entries = await checkZipBomb(input.body, env.limits);
    if (!entries.some((e) => e.name === "word/document.xml")) throw new DocumentError("corrupt_document", "the docx has no word/document.xml");
    const { default: mammoth } = await import("mammoth"); // loaded on first use (~0.1 s at start otherwise)
    let html: string;
    try {
      // Images are dropped: their base64 bodies would only bloat the HTML (OCR of embedded images is not done).
      const result = await mammoth.convertToHtml(
        { buffer: input.body },
        { styleMap: STYLE_MAP, convertImage: mammoth.images.imgElement(async () => ({ src: "" })) },
      );
      html = result.value;
    } catch (err) {
      throw new DocumentError("corrupt_document", `the Word document could not be read: ${(err as Error).message}`, err);
    }
    env.deadline.check("reading the Word document");
    const doc = await htmlParser.parse({ key: input.key, body: Buffer.from(`<html><body>${html}</body></html>`, "utf8") }, env);
    return { ...doc, contentType: DOCX_TYPE, title: doc.blocks.find((b) => b.kind === "heading")?.text ?? doc.blocks[0]?.text.slice(0, 200) };
  },
};
