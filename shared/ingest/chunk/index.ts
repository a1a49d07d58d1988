import type { Chunk } from "../../domain/chunk";
import type { Block, DocumentMetadata, ParsedDocument, TableData } from "../../domain/document";
import { contentId } from "../../util/hash";
import { splitSentences, wordCount } from "../../text/sentences";
import { promoteHeaderRows, tableFacts } from "./table-facts";

export interface ChunkOptions {
  /** Target size in words; a chunk never cuts a sentence, so one long sentence may exceed it. */
  maxWords: number;
  /** Words of trailing sentences repeated at the start of the next chunk of the same section. */
  overlapWords: number;
}

interface Piece { text: string; page?: number; words: number }

/**
 * Structure-aware chunking: headings open sections and travel with their text (sectionPath),
 * tables are chunked on their own with their header, and text is packed sentence by sentence.
 */
export function chunkDocument(
  doc: ParsedDocument,
  ref: { documentKey: string; version: string; metadata: DocumentMetadata },
  opts: ChunkOptions,
): Chunk[] {
  const chunks: Chunk[] = [];
  const seen = new Map<string, number>();
  const path: { level: number; text: string }[] = [];
  let pending: Piece[] = [];

  const emit = (text: string, kind: Chunk["kind"], pages: (number | undefined)[]) => {
    const sectionPath = path.map((p) => p.text);
    const base = contentId(ref.documentKey, sectionPath.join("\u001f"), text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    const known = pages.filter((p): p is number => p !== undefined);
    chunks.push({
      id: n ? contentId(base, String(n)) : base,
      documentKey: ref.documentKey,
      version: ref.version,
      ordinal: chunks.length,
      text,
      sectionPath,
      page: known.length ? Math.min(...known) : undefined,
      pageEnd: known.length ? Math.max(...known) : undefined,
      kind,
      metadata: ref.metadata,
    });
  };

  const flushText = (keepOverlap: boolean) => {
    if (!pending.length) return;
    emit(pending.map((p) => p.text).join(" "), "text", pending.map((p) => p.page));
    if (!keepOverlap || opts.overlapWords === 0) return void (pending = []);
    const tail: Piece[] = [];
    let words = 0;
    for (let i = pending.length - 1; i > 0 && words + pending[i].words <= opts.overlapWords; i--) {
      tail.unshift(pending[i]);
      words += pending[i].words;
    }
    pending = tail;
  };
  // Overlap only ever carries sentences already emitted; a section change drops it.
  let carried = 0;
  const addSentence = (piece: Piece) => {
    const size = pending.reduce((s, p) => s + p.words, 0);
    if (pending.length > carried && size + piece.words > opts.maxWords) {
      flushText(true);
      carried = pending.length;
    }
    pending.push(piece);
  };
  const endSection = () => {
    if (pending.length > carried) flushText(false);
    pending = [];
    carried = 0;
  };

  for (const block of doc.blocks) {
    if (block.kind === "heading") {
      endSection();
      const level = block.level ?? 1;
      while (path.length && path[path.length - 1].level >= level) path.pop();
      path.push({ level, text: block.text.trim() });
    } else if (block.kind === "table" && block.table) {
      endSection();
      for (const text of tableChunks(block.table, opts.maxWords)) emit(text, "table", [block.page]);
    } else {
      for (const s of sentencesOf(block)) addSentence({ text: s, page: block.page, words: wordCount(s) });
      // A chunk at least half full ends with its paragraph: boundaries then follow the text's own, so an edit
      // re-addresses only the chunks up to the next paragraph end instead of every chunk after it.
      const fresh = pending.slice(carried).reduce((n, p) => n + p.words, 0);
      if (fresh >= opts.maxWords * 0.5) {
        flushText(true);
        carried = pending.length;
      }
    }
  }
  endSection();
  return chunks;
}

function sentencesOf(block: Block): string[] {
  if (block.kind === "code" || block.kind === "list") return [block.text.trim()].filter(Boolean);
  return splitSentences(block.text.replace(/\s+/g, " "));
}

/**
 * A table as markdown, split by rows when long, with the header rows repeated in every part. Numeric tables
 * also get `row — column: value` lines for the rows of that part, so a value never leaves its labels.
 */
export function tableChunks(source: TableData, maxWords: number): string[] {
  const table = promoteHeaderRows(source);
  const line = (r: string[]) => `| ${r.map((c) => c.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim()).join(" | ")} |`;
  const head = [...(table.title ? [table.title] : []), ...table.header.map(line)];
  if (table.header.length) head.push(line(table.header[table.header.length - 1].map(() => "---")));
  const headWords = wordCount(head.join(" "));
  const facts = tableFacts(table);
  // Parts are ranges of body rows [from, to); each carries the markdown rows and their value lines.
  const render = (from: number, to: number) => {
    const lines = facts?.slice(from, to).flat() ?? [];
    return [...head, ...table.rows.slice(from, to).map(line), ...(lines.length ? ["", ...lines] : [])].join("\n");
  };
  const parts: string[] = [];
  let from = 0;
  let words = headWords;
  table.rows.forEach((r, i) => {
    const w = wordCount(line(r)) + (facts ? wordCount(facts[i].join(" ")) : 0);
    if (i > from && words + w > maxWords * 2) {
      parts.push(render(from, i));
      from = i;
      words = headWords;
    }
    words += w;
  });
  if (from < table.rows.length || !parts.length) parts.push(render(from, table.rows.length));
  return parts;
}
