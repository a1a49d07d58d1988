import type { Block, ParsedDocument } from "../../domain/document";
import { decodeText } from "./encoding";
import type { ParseInput, Parser } from "./types";

// Markdown: ATX headings, lists, pipe tables and fenced code become blocks; paragraphs join their lines.

export const markdownParser: Parser = {
  types: ["text/markdown"],
  async parse({ body }: ParseInput): Promise<ParsedDocument> {
    const lines = decodeText(body)
      .text.replace(/^\uFEFF/, "")
      .replace(/\r\n?/g, "\n")
      .split("\n");
    const blocks: Block[] = [];
    let para: string[] = [];
    const flush = () => {
      if (para.length) blocks.push({ kind: "paragraph", text: para.join(" ").trim() });
      para = [];
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
      if (heading) {
        flush();
        blocks.push({ kind: "heading", level: heading[1].length, text: heading[2] });
      } else if (/^```/.test(line)) {
        flush();
        const code: string[] = [];
        for (i++; i < lines.length && !/^```/.test(lines[i]); i++) code.push(lines[i]);
        blocks.push({ kind: "code", text: code.join("\n") });
      } else if (/^\s*\|.*\|\s*$/.test(line) && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1] ?? "")) {
        flush();
        const cells = (l: string) =>
          l
            .trim()
            .replace(/^\||\|$/g, "")
            .split("|")
            .map((c) => c.trim());
        const header = [cells(line)];
        const rows: string[][] = [];
        for (i += 2; i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i]); i++) rows.push(cells(lines[i]));
        i--;
        const text = [header[0], ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
        blocks.push({ kind: "table", text, table: { header, rows } });
      } else if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
        flush();
        blocks.push({ kind: "list", text: line.replace(/^\s*([-*+]|\d+[.)])\s+/, "").trim() });
      } else if (!line.trim()) {
        flush();
      } else {
        para.push(line.trim());
      }
    }
    flush();
    const title = blocks.find((b) => b.kind === "heading")?.text;
    return { contentType: "text/markdown", title, blocks };
  },
};
