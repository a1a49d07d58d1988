import type { Block, ParsedDocument } from "../../domain/document";
import { decodeText } from "./encoding";
import type { ParseInput, Parser } from "./types";

// Plain text: the encoding is detected (BOM, UTF-8, UTF-16, legacy code pages); paragraphs are separated by
// blank lines; a short first line is taken as the title.

export const textParser: Parser = {
  types: ["text/plain"],
  async parse({ body }: ParseInput): Promise<ParsedDocument> {
    const { text: raw, encoding } = decodeText(body);
    const text = raw.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
    const paragraphs = text
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s*\n\s*/g, " ").trim())
      .filter(Boolean);
    const blocks: Block[] = paragraphs.map((p) => ({ kind: "paragraph", text: p }));
    return { contentType: "text/plain", title: paragraphs[0]?.slice(0, 200), blocks, metadata: { encoding } };
  },
};
