import type { Line, Segment } from "./lines";

// A region's lines → paragraphs: lines join until a gap, a change of font, a list marker, or a short line
// that ends a sentence. Hyphenated line ends are joined back into one word.

export interface Paragraph {
  text: string;
  size: number;
  bold: boolean;
  list: boolean;
  y: number;
  lineCount: number;
}

const BULLET = /^([•·▪◦●○■□➢►✓*]|[-–—](?=\s)|\(?\d{1,2}[.)](?=\s)|\(?[a-z][.)](?=\s)|\([ivx]{1,4}\)(?=\s))\s*/i;
const ENDS_SENTENCE = /[.!?:;]["'”’)]?$/;

/** Segments of one region → lines (same baseline), left to right. */
export function groupLinesOfSegments(segments: Segment[]): Line[] {
  const sorted = [...segments].sort((a, b) => a.y - b.y || a.x0 - b.x0);
  const lines: Line[] = [];
  for (const s of sorted) {
    const last = lines[lines.length - 1];
    if (last && Math.abs(s.y - last.y) <= 0.4 * Math.min(s.size, last.size)) {
      last.segments.push(s);
      last.x1 = Math.max(last.x1, s.x1);
      last.x0 = Math.min(last.x0, s.x0);
    } else lines.push({ y: s.y, x0: s.x0, x1: s.x1, size: s.size, segments: [s] });
  }
  for (const l of lines) l.segments.sort((a, b) => a.x0 - b.x0);
  return lines;
}

export function paragraphs(lines: Line[], keepHyphen: (word: string) => boolean): Paragraph[] {
  if (!lines.length) return [];
  const left = Math.min(...lines.map((l) => l.x0));
  const right = Math.max(...lines.map((l) => l.x1));
  const out: Paragraph[] = [];
  let cur: { lines: Line[] } | undefined;
  const text = (l: Line) => l.segments.map((s) => s.text).join(" ");
  const bold = (l: Line) => l.segments.every((s) => s.bold);
  for (const l of lines) {
    const prev = cur?.lines[cur.lines.length - 1];
    let split = !prev;
    if (prev) {
      const t = text(l);
      const pt = text(prev);
      split =
        Math.abs(l.size - prev.size) > 0.75 ||
        bold(l) !== bold(prev) ||
        BULLET.test(t) ||
        l.y - prev.y > 1.75 * Math.max(l.size, prev.size) ||
        // A short line ending a sentence closes its paragraph; an indented line after one opens a new one.
        (ENDS_SENTENCE.test(pt) && (prev.x1 < right - 4 * prev.size || l.x0 > left + 1.5 * l.size));
    }
    if (split) {
      if (cur) out.push(finish(cur.lines, keepHyphen));
      cur = { lines: [l] };
    } else cur!.lines.push(l);
  }
  if (cur) out.push(finish(cur.lines, keepHyphen));
  return out;
}

function finish(lines: Line[], keepHyphen: (word: string) => boolean): Paragraph {
  // Pieces joined by spaces at the end. Joining each line onto the whole text so far tested the line-end
  // patterns against all of it (quadratic in a long paragraph); they only look at the end of the last piece,
  // and a line joined without a space (a word broken at the line end) extends that piece.
  const pieces: string[] = [];
  for (const l of lines) {
    const t = l.segments
      .map((s) => s.text)
      .join(" ")
      .trim();
    if (!pieces.length) {
      if (t) pieces.push(t);
      continue;
    }
    const last = pieces[pieces.length - 1];
    const joined = joinLines(last, t, keepHyphen);
    if (joined === `${last} ${t}`) pieces.push(t);
    else pieces[pieces.length - 1] = joined;
  }
  let text = pieces.join(" ");
  const list = BULLET.test(text);
  if (list) text = text.replace(BULLET, "");
  const segs = lines.flatMap((l) => l.segments);
  const chars = segs.reduce((n, s) => n + s.text.length, 0);
  const weighted = segs.reduce((n, s) => n + s.size * s.text.length, 0);
  return {
    text: text
      .replace(/\u00AD/g, "")
      .replace(/\s+/g, " ")
      .trim(),
    size: Math.round((weighted / Math.max(1, chars)) * 2) / 2,
    bold: segs.every((s) => s.bold),
    list,
    y: lines[0].y,
    lineCount: lines.length,
  };
}

/** "exam-" + "ple" → "example"; "non-" + "GAAP" and known hyphenated words keep their hyphen. */
export function joinLines(a: string, b: string, keepHyphen: (word: string) => boolean): string {
  // A soft hyphen (U+00AD) at a line end is always a typesetter's break.
  if (/[A-Za-z]\u00AD$/.test(a)) return a.slice(0, -1) + b;
  a = a.replace(/\u2010$/, "-");
  const m = /([A-Za-z]+)-$/.exec(a);
  if (m && /^[a-z]/.test(b)) {
    const next = /^[A-Za-z]+/.exec(b)?.[0] ?? "";
    return keepHyphen(`${m[1]}-${next}`.toLowerCase()) ? a + b : a.slice(0, -1) + b;
  }
  if (/[A-Za-z]-$/.test(a) || /[—–/]$/.test(a)) return a + b;
  return `${a} ${b}`;
}
