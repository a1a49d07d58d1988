import type { Citation } from "../domain/job";
import type { AssembledSource, ChunkSpan } from "./assemble";

// [n] citation markers, including the forms models write: [1][2], [1, 2], [1-3].

const MARKER = /\[(\d+(?:\s*[,;\u2013-]\s*\d+)*)\]/g;

export function citedNumbers(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(MARKER)) {
    for (const part of m[1].split(/\s*[,;]\s*/)) {
      const range = /^(\d+)\s*[\u2013-]\s*(\d+)$/.exec(part);
      if (range) {
        const [a, b] = [Number(range[1]), Number(range[2])];
        for (let n = a; n <= b && n - a < 20; n++) out.push(n);
      } else out.push(Number(part));
    }
  }
  return [...new Set(out)];
}

export const stripMarkers = (text: string) =>
  text
    .replace(MARKER, "")
    .replace(/\s+([.,;:!?])/g, "$1")
    .trim();

/** Citations actually used by the answer, in order of first use; numbers with no source are dropped. */
export function citationsFor(answer: string, sources: AssembledSource[]): Citation[] {
  return citedNumbers(answer).flatMap((n) => {
    const s = sources.find((x) => x.n === n);
    if (!s) return [];
    // A passage joined from several chunks is cited at the chunk that holds what the answer quotes from it.
    const at = quotedChunk(answer, n, s);
    return [
      {
        n,
        documentKey: s.documentKey,
        chunkId: at?.chunkId ?? s.chunkId,
        page: at ? at.page : s.page,
        sectionPath: s.sectionPath,
        text: s.text,
        score: s.score,
      },
    ];
  });
}

const escape = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The chunk of a joined passage where the first sentence the answer cites it for appears verbatim (its first
 * words, any spacing): an extractive answer quotes its sources. None when the passage is one chunk or the
 * answer paraphrases.
 */
export function quotedChunk(answer: string, n: number, source: Pick<AssembledSource, "text" | "spans">): ChunkSpan | undefined {
  if (!source.spans?.length) return undefined;
  for (const m of answer.matchAll(MARKER)) {
    if (!citedNumbers(m[0]).includes(n)) continue;
    // The sentence before this marker, back to the previous marker.
    const before = answer
      .slice(0, m.index)
      .replace(/^[\s\S]*\]/, "")
      .trim();
    const words = before.split(/\s+/).filter(Boolean).slice(0, 8);
    if (words.length < 3) continue;
    const found = new RegExp(words.map(escape).join("\\s+")).exec(source.text);
    if (found) return source.spans.filter((sp) => sp.offset <= found.index).at(-1);
  }
  return undefined;
}
