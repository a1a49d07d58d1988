import type { Citation } from "../domain/job";
import type { AssembledSource } from "./assemble";

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

export const stripMarkers = (text: string) => text.replace(MARKER, "").replace(/\s+([.,;:!?])/g, "$1").trim();

/** Citations actually used by the answer, in order of first use; numbers with no source are dropped. */
export function citationsFor(answer: string, sources: AssembledSource[]): Citation[] {
  return citedNumbers(answer).flatMap((n) => {
    const s = sources.find((x) => x.n === n);
    return s ? [{ n, documentKey: s.documentKey, chunkId: s.chunkId, page: s.page, sectionPath: s.sectionPath, text: s.text, score: s.score }] : [];
  });
}
