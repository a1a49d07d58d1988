import type { Chunk } from "../../domain/chunk";
import type { Block, DocumentMetadata, ParsedDocument, TableData } from "../../domain/document";
import { contentId } from "../../util/hash";
import { contextLine, documentContext } from "../parse/document-context";
import { splitSentences, wordCount } from "../../text/sentences";
import { promoteHeaderRows, tableFacts } from "./table-facts";

export interface ChunkOptions {
  /** Target size in words; a chunk never cuts a sentence, so one long sentence may exceed it. */
  maxWords: number;
  /** Words of trailing sentences repeated at the start of the next chunk of the same section. */
  overlapWords: number;
}

interface Piece {
  text: string;
  page?: number;
  words: number;
}

/**
 * Structure-aware chunking: headings open sections and travel with their text (sectionPath),
 * tables are chunked on their own with their header, and text is packed sentence by sentence.
 * The document's context (issuer, form, fiscal period, or title) leads every chunk's sectionPath, so
 * the search index, the embedder and the evidence check read it with each chunk (contextual retrieval),
 * and is kept as `metadata.context`.
 */
export function chunkDocument(doc: ParsedDocument, ref: { documentKey: string; version: string; metadata: DocumentMetadata }, opts: ChunkOptions): Chunk[] {
  const chunks: Chunk[] = [];
  const seen = new Map<string, number>();
  // `filled`: a chunk was emitted under the heading (its text is indexed in that chunk's section path).
  const path: { level: number; text: string; page?: number; filled: boolean }[] = [];
  let pending: Piece[] = [];
  const context = documentContext(doc);
  const lead = contextLine(context);
  const metadata = Object.keys(context).length ? { ...ref.metadata, context } : ref.metadata;

  const emit = (text: string, kind: Chunk["kind"], pages: (number | undefined)[]) => {
    const headings = path.map((p) => p.text);
    const sectionPath = lead && headings[0] !== lead ? [lead, ...headings] : headings;
    const base = contentId(ref.documentKey, sectionPath.join("\u001f"), text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    const known = pages.filter((p): p is number => p !== undefined);
    for (const h of path) h.filled = true;
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
      metadata,
    });
  };

  const flushText = (keepOverlap: boolean) => {
    if (!pending.length) return;
    emit(
      pending.map((p) => p.text).join(" "),
      "text",
      pending.map((p) => p.page),
    );
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
      // A heading with nothing under it (a form's field read as a heading by OCR, an empty section) would
      // leave the index with its words: they become text of the next section instead.
      while (path.length && path[path.length - 1].level >= level) {
        const gone = path.pop()!;
        if (!gone.filled) addSentence({ text: gone.text, page: gone.page, words: wordCount(gone.text) });
      }
      path.push({ level, text: block.text.trim(), page: block.page, filled: false });
    } else if (block.kind === "table" && block.table) {
      endSection();
      // A table without its own title is captioned by the heading it sits under ("Consolidated Statement of Cash Flows").
      for (const text of tableChunks(block.table, opts.maxWords, path.at(-1)?.text)) emit(text, "table", [block.page]);
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
  // Headings left empty at the end: their words as one last chunk under what encloses them.
  const empty = path.filter((h) => !h.filled);
  if (empty.length) {
    path.splice(path.length - empty.length);
    emit(
      empty.map((h) => h.text).join(" "),
      "text",
      empty.map((h) => h.page),
    );
  }
  return chunks;
}

function sentencesOf(block: Block): string[] {
  if (block.kind === "code" || block.kind === "list") return [block.text.trim()].filter(Boolean);
  return splitSentences(block.text.replace(/\s+/g, " "));
}

/**
 * A table as chunks. A text table: markdown, split by rows when long, the header rows repeated in every part.
 * A small numeric table: one chunk, its `row — column: value` lines under the rows.
 * A larger one (a financial statement): the whole table as one chunk with its title and unit, split only
 * past `3 × maxWords` words (a statement page stays one passage, so the page that holds it is found and
 * cited), then its `row — column: value` lines in chunks of their own under the same title and unit, so a
 * value never leaves its labels and a question about one row finds a short passage that holds it.
 */
export function tableChunks(source: TableData, maxWords: number, caption?: string): string[] {
  const table = promoteHeaderRows(source);
  const line = (r: string[]) => `| ${r.map((c) => c.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim()).join(" | ")} |`;
  const facts = tableFacts(table);
  const title = table.title ?? (facts ? caption : undefined);
  const unit = facts ? tableUnit(table, title) : undefined;
  // "Consolidated Statements of Cash Flows, in millions": no closing parenthesis, so a reader of the passage
  // (shared/query/evidence.ts) takes the caption for context, not for a sentence that answers.
  const unitText = unit?.replace(/^\((.*)\)$/, "$1").trim();
  const titleLine = [title, unitText && !title?.toLowerCase().includes(unitText.toLowerCase()) ? unitText : undefined].filter(Boolean).join(", ");
  const head = [...(titleLine ? [titleLine] : []), ...table.header.map(line)];
  if (table.header.length) head.push(line(table.header[table.header.length - 1].map(() => "---")));
  const rowLines = table.rows.map(line);
  // A small numeric table stays one passage, its value lines under its rows.
  if (facts && cellWords([...head, ...rowLines, ...facts.flat()].join(" ")) <= 2 * maxWords) {
    const lines = facts.flat();
    return [[...head, ...rowLines, ...(lines.length ? ["", ...lines] : [])].join("\n")];
  }
  const parts = packRows(head, rowLines, (facts ? 3 : 2) * maxWords);
  if (!facts) return parts;
  const valueHead = titleLine ? [titleLine] : [];
  // A row's value lines stay together.
  const rows = facts.filter((r) => r.length).map((r) => r.join("\n"));
  return rows.length ? [...parts, ...packRows(valueHead, rows, maxWords)] : parts;
}

/**
 * Lines under a repeated head, in as few parts as keep each within `max` words, and of even size (a table
 * one row over the limit is two halves, not a whole and a one-row stub). A part holds at least one line.
 */
function packRows(head: string[], lines: string[], max: number): string[] {
  const headWords = cellWords(head.join(" "));
  const sizes = lines.map(cellWords);
  const body = sizes.reduce((a, b) => a + b, 0);
  const room = Math.max(1, max - headWords);
  const target = body / Math.max(1, Math.ceil(body / room));
  const parts: string[] = [];
  let part: string[] = [];
  let words = 0;
  lines.forEach((l, i) => {
    if (part.length && (words + sizes[i] > room || words >= target)) {
      parts.push([...head, ...part].join("\n"));
      part = [];
      words = 0;
    }
    part.push(l);
    words += sizes[i];
  });
  if (part.length || !parts.length) parts.push([...head, ...part].join("\n"));
  return parts;
}

/** Words of a markdown row without its cell borders (a column of "|" is not text a reader reads). */
const cellWords = (s: string) => (s.match(/[^\s|]+/g) ?? []).filter((w) => !/^-+$/.test(w)).length;

const UNIT =
  /\((?:[$€£]|usd|dollars)?\s*(?:in\s+)?(?:millions|thousands|billions)\b[^)]*\)|\b(?:[$€£]|usd|dollars)?\s*in\s+(?:millions|thousands|billions)\b(?:,?\s+except[^)|]*)?/i;

/** The unit a financial table states in its title or header cells ("(Millions)", "(in thousands, except per share data)"). */
export function tableUnit(table: TableData, title?: string): string | undefined {
  for (const text of [title ?? "", ...table.header.flat(), ...table.rows.slice(0, 2).map((r) => r[0] ?? "")]) {
    const m = UNIT.exec(text);
    if (m) return m[0].trim();
  }
  return undefined;
}
