import { estimateTokens } from "../text/tokens";
import type { Chunk, ScoredChunk } from "../domain/chunk";
import type { GenerationSource, QuotedUnit } from "../ports/models";

// Context assembly: near-duplicate chunks merged, neighbouring chunks added where they complete a
// passage, adjacent chunks joined (their overlap removed), a token budget, sources numbered in rank
// order with their document key and page.

export interface AssembledSource extends GenerationSource {
  /** The first (best-ranked) chunk of the passage; `chunkIds` lists all, in document order. */
  chunkId: string;
  chunkIds: string[];
  score: number;
  /** Where each chunk's text begins in `text`, with its page: a quote is cited at the page that holds it. */
  spans?: ChunkSpan[];
}

export interface ChunkSpan {
  offset: number;
  chunkId: string;
  page?: number;
}

export interface AssembleOutput {
  sources: AssembledSource[];
  tokens: number;
  /** For an extractive generator: the units the evidence check chose to answer with (none: it abstains). */
  quote?: QuotedUnit[];
}

export interface AssembleOptions {
  budgetTokens: number;
  /** Chunks of a document, for neighbours; omitted = no neighbours added. */
  chunksOf?: (documentKey: string) => Promise<Chunk[]>;
  /** Jaccard similarity of word 3-shingles above which two chunks count as the same text. */
  duplicateThreshold?: number;
}

export async function assemble(ranked: ScoredChunk[], opts: AssembleOptions): Promise<AssembleOutput> {
  const kept = dropNearDuplicates(ranked, opts.duplicateThreshold ?? 0.8);
  const withNeighbours = opts.chunksOf ? await addNeighbours(kept, opts.chunksOf) : kept.map((c, rank) => ({ chunk: c as Chunk, rank, score: c.score }));
  const passages = joinAdjacent(withNeighbours);
  return fitBudget(passages, opts.budgetTokens);
}

// ---- near duplicates -------------------------------------------------------------------------

function shingles(text: string): Set<string> {
  const w = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out = new Set<string>();
  for (let i = 0; i + 3 <= w.length; i++) out.add(w.slice(i, i + 3).join(" "));
  if (!out.size && w.length) out.add(w.join(" "));
  return out;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Keeps the best-ranked of each group of near-identical chunks (copies of a text in several documents). */
export function dropNearDuplicates<T extends Pick<Chunk, "text">>(ranked: T[], threshold: number): T[] {
  const kept: { c: T; s: Set<string> }[] = [];
  for (const c of ranked) {
    const s = shingles(c.text);
    if (!kept.some((k) => jaccard(k.s, s) >= threshold)) kept.push({ c, s });
  }
  return kept.map((k) => k.c);
}

// ---- neighbours ------------------------------------------------------------------------------

interface Placed {
  chunk: Chunk;
  rank: number;
  score: number;
}

const endsPassage = (t: string) => /[.!?:;)\]"'”’]\s*$/.test(t.trim());
const continuesPassage = (t: string) => /^[\p{Ll},;)]/u.test(t.trim());

/**
 * A chunk cut mid-passage gets its neighbour: the next chunk when it does not end a sentence, the
 * previous one when it starts mid-sentence, and the one between two retrieved chunks of a document.
 * Neighbours come from the same live version of the same document, so they carry the same ACL.
 */
async function addNeighbours(kept: ScoredChunk[], chunksOf: (key: string) => Promise<Chunk[]>): Promise<Placed[]> {
  const placed = new Map<string, Placed>();
  kept.forEach((c, rank) => placed.set(`${c.documentKey}\u0000${c.ordinal}`, { chunk: c, rank, score: c.score }));
  const wanted = new Map<string, { key: string; version: string; ordinal: number; rank: number; score: number }>();
  const want = (c: ScoredChunk, ordinal: number, rank: number) => {
    const id = `${c.documentKey}\u0000${ordinal}`;
    if (ordinal >= 0 && !placed.has(id) && !wanted.has(id)) wanted.set(id, { key: c.documentKey, version: c.version, ordinal, rank, score: c.score });
  };
  kept.forEach((c, rank) => {
    if (c.kind !== "table" && !endsPassage(c.text)) want(c, c.ordinal + 1, rank);
    if (continuesPassage(c.text)) want(c, c.ordinal - 1, rank);
    if (placed.has(`${c.documentKey}\u0000${c.ordinal + 2}`)) want(c, c.ordinal + 1, rank);
  });
  const byDoc = new Map<string, Chunk[]>();
  for (const w of wanted.values()) {
    if (!byDoc.has(w.key)) byDoc.set(w.key, await chunksOf(w.key));
    const n = byDoc.get(w.key)!.find((c) => c.ordinal === w.ordinal && c.version === w.version);
    if (n) placed.set(`${w.key}\u0000${w.ordinal}`, { chunk: n, rank: w.rank, score: w.score });
  }
  return [...placed.values()];
}

// ---- passages --------------------------------------------------------------------------------

interface Passage {
  chunks: Chunk[];
  rank: number;
  score: number;
  text: string;
  spans: ChunkSpan[];
}

/** Runs of consecutive text chunks of one document become one passage, ranked by its best chunk. */
function joinAdjacent(placed: Placed[]): Passage[] {
  const byDoc = new Map<string, Placed[]>();
  for (const p of placed) byDoc.set(p.chunk.documentKey, [...(byDoc.get(p.chunk.documentKey) ?? []), p]);
  const passages: Passage[] = [];
  for (const list of byDoc.values()) {
    list.sort((a, b) => a.chunk.ordinal - b.chunk.ordinal);
    let run: Placed[] = [];
    const close = () => {
      if (!run.length) return;
      const best = run.reduce((a, b) => (b.rank < a.rank ? b : a));
      let text = "";
      const spans: ChunkSpan[] = [];
      for (const { chunk } of run) {
        // A chunk's own words start where the passage so far ends (the overlap it repeats is the previous chunk's).
        const offset = text ? Math.min(text.trimEnd().length + 1, joinOverlapping(text, chunk.text).length) : 0;
        text = text ? joinOverlapping(text, chunk.text) : chunk.text;
        spans.push({ offset, chunkId: chunk.id, page: chunk.page });
      }
      passages.push({ chunks: run.map((r) => r.chunk), rank: best.rank, score: best.score, text, spans });
      run = [];
    };
    for (const p of list) {
      // A table chunk is a passage of its own (it carries its caption and header): joined to the prose before
      // it, its citation would take that prose's page and section.
      const last = run[run.length - 1]?.chunk;
      if (last && (p.chunk.ordinal !== last.ordinal + 1 || p.chunk.kind === "table" || last.kind === "table")) close();
      run.push(p);
    }
    close();
  }
  // Ties (a neighbour shares its chunk's rank) keep document order.
  return passages.sort((a, b) => a.rank - b.rank);
}

/** Joins two consecutive chunks, dropping the words the second repeats from the first (chunk overlap). */
export function joinOverlapping(a: string, b: string): string {
  const aw = a.match(/\S+/g) ?? [];
  const bm = [...b.matchAll(/\S+/g)];
  for (let k = Math.min(120, aw.length, bm.length); k >= 3; k--) {
    let same = true;
    for (let i = 0; i < k && same; i++) same = aw[aw.length - k + i] === bm[i][0];
    if (same) {
      const rest = b.slice(bm[k - 1].index! + bm[k - 1][0].length).trim();
      return rest ? `${a.trimEnd()} ${rest}` : a;
    }
  }
  return `${a.trimEnd()}\n${b.trimStart()}`;
}

// ---- budget ----------------------------------------------------------------------------------

function fitBudget(passages: Passage[], budget: number): AssembleOutput {
  const sources: AssembledSource[] = [];
  let used = 0;
  for (const p of passages) {
    let text = p.text;
    let tokens = estimateTokens(text);
    if (used + tokens > budget) {
      if (sources.length) continue; // a smaller, lower-ranked passage may still fit
      text = truncateToTokens(text, budget);
      tokens = estimateTokens(text);
    }
    used += tokens;
    const first = p.chunks[0];
    const pages = p.chunks.map((c) => c.page).filter((x): x is number => x !== undefined);
    sources.push({
      n: sources.length + 1,
      documentKey: first.documentKey,
      page: pages.length ? Math.min(...pages) : undefined,
      sectionPath: first.sectionPath,
      text,
      chunkId: bestChunkId(p),
      chunkIds: p.chunks.map((c) => c.id),
      score: p.score,
      ...(p.spans.length > 1 ? { spans: p.spans } : {}),
    });
  }
  return { sources, tokens: used };
}

/** The retrieved chunk of a passage (neighbours have no score), so citations point at what was found. */
const bestChunkId = (p: Passage) => (p.chunks.find((c) => "score" in c) ?? p.chunks[0]).id;

/** The longest prefix of whole sentences (or words, for one long sentence) within the budget. */
export function truncateToTokens(text: string, budget: number): string {
  const sentences = text.match(/[^.!?]+[.!?]+["')\]]*\s*|[^.!?]+$/g) ?? [text];
  let out = "";
  for (const s of sentences) {
    if (estimateTokens(out + s) > budget) break;
    out += s;
  }
  if (out.trim()) return out.trim();
  const words = text.split(/\s+/);
  while (words.length && estimateTokens(words.join(" ")) > budget) words.pop();
  return words.join(" ");
}
