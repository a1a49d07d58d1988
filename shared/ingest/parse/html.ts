import { Parser as HtmlStream } from "htmlparser2";
import type { Block, ParsedDocument } from "../../domain/document";
import type { ParseInput, Parser } from "./types";

// HTML: walk the element stream; headings, paragraphs, list items and table rows become blocks.
// Scripts, styles and navigation chrome are dropped.

const SKIP = new Set(["script", "style", "noscript", "nav", "header", "footer", "aside", "template", "svg", "form"]);
const BLOCK = new Set(["p", "div", "section", "article", "main", "li", "dd", "dt", "blockquote", "pre", "br", "figcaption", "caption"]);

export const htmlParser: Parser = {
  types: ["text/html"],
  async parse({ body }: ParseInput): Promise<ParsedDocument> {
    const blocks: Block[] = [];
    let skipDepth = 0;
    let text = "";
    let title: string | undefined;
    let inTitle = false;
    let heading: number | undefined;
    let listItem = false;
    let table: { rows: string[][]; header: string[][] } | undefined;
    let row: string[] | undefined;
    let rowIsHeader = false;

    const flush = () => {
      const t = text.replace(/\s+/g, " ").trim();
      text = "";
      if (!t) return;
      if (heading) blocks.push({ kind: "heading", level: heading, text: t });
      else blocks.push({ kind: listItem ? "list" : "paragraph", text: t });
    };

    const stream = new HtmlStream(
      {
        onopentag(name) {
          if (SKIP.has(name)) return void skipDepth++;
          if (skipDepth) return;
          if (name === "title") inTitle = true;
          const h = /^h([1-6])$/.exec(name);
          if (h) { flush(); heading = Number(h[1]); }
          else if (name === "table") { flush(); table = { rows: [], header: [] }; }
          else if (name === "tr" && table) { row = []; rowIsHeader = true; }
          else if ((name === "td" || name === "th") && row) { text = ""; if (name === "td") rowIsHeader = false; }
          else if (BLOCK.has(name) && !table) { flush(); listItem = name === "li"; }
        },
        ontext(t) {
          if (skipDepth) return;
          if (inTitle) title = (title ?? "") + t;
          else text += t;
        },
        onclosetag(name) {
          if (SKIP.has(name)) return void skipDepth--;
          if (skipDepth) return;
          if (name === "title") { inTitle = false; text = ""; return; }
          if (/^h[1-6]$/.test(name)) { flush(); heading = undefined; }
          else if ((name === "td" || name === "th") && row) { row.push(text.replace(/\s+/g, " ").trim()); text = ""; }
          else if (name === "tr" && table && row) {
            if (row.some(Boolean)) (rowIsHeader && table.rows.length === 0 ? table.header : table.rows).push(row);
            row = undefined;
          } else if (name === "table" && table) {
            const all = [...table.header, ...table.rows];
            if (all.length) blocks.push({ kind: "table", text: all.map((r) => `| ${r.join(" | ")} |`).join("\n"), table: { header: table.header, rows: table.rows } });
            table = undefined;
            text = "";
          } else if (BLOCK.has(name) && !table) { flush(); listItem = false; }
        },
      },
      { decodeEntities: true },
    );
    stream.end(body.toString("utf8"));
    flush();
    return { contentType: "text/html", title: title?.trim() || blocks.find((b) => b.kind === "heading")?.text, blocks };
  },
};
