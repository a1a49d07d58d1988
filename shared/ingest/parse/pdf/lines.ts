import type { TextRun } from "./items";

// Runs → lines (same baseline) → segments (runs separated by less than a column gap).

/** Runs of one line closer than a column gap, joined: the same shape as a run. */
export type Segment = TextRun;

export interface Line {
  y: number;
  x0: number;
  x1: number;
  size: number;
  segments: Segment[];
}

/** A gap wider than this many font sizes between runs on one baseline separates columns or table cells. */
const COLUMN_GAP_EM = 1.0;
const MARKER = /^([•·▪◦●○■□➢►\-–—*]|\(?[0-9]{1,2}[.)]|\(?[a-z][.)]|\(?[ivx]{1,4}[.)])$/i;

export function groupLines(runs: TextRun[]): Line[] {
  const sorted = [...runs].sort((a, b) => a.y - b.y || a.x0 - b.x0);
  const lines: { y: number; size: number; runs: TextRun[] }[] = [];
  for (const r of sorted) {
    const last = lines[lines.length - 1];
    // Same line when baselines are within ~40% of the smaller size (superscripts, mixed fonts).
    if (last && Math.abs(r.y - last.y) <= 0.4 * Math.min(r.size, last.size)) last.runs.push(r);
    else lines.push({ y: r.y, size: r.size, runs: [r] });
  }
  return lines.map((l) => toLine(l.runs));
}

function toLine(runs: TextRun[]): Line {
  runs.sort((a, b) => a.x0 - b.x0);
  const segments: Segment[] = [];
  let cur: TextRun[] = [];
  // Visible characters in cur: a list marker has at most six, so longer text is not joined to test it.
  let curChars = 0;
  const close = () => {
    if (cur.length) segments.push(mergeRuns(cur));
    cur = [];
    curChars = 0;
  };
  for (const r of runs) {
    const prev = cur[cur.length - 1];
    const size = Math.max(r.size, prev?.size ?? 0);
    // A list marker stays with its text, so bullets do not look like a column of their own.
    const marker = segments.length === 0 && curChars <= 6 && MARKER.test(joined(cur).trim());
    if (prev && r.x0 - prev.x1 > COLUMN_GAP_EM * size && !marker) close();
    cur.push(r);
    curChars += r.text.replace(/\s/g, "").length;
  }
  close();
  // A lone currency sign or closing bracket belongs to the number next to it.
  for (let i = 0; i < segments.length; i++) {
    let s = segments[i];
    // "$(2,758) $" — the next column's currency sign drawn in the same run: move it over.
    const trailing = /^(.*\d\)?)\s+([$€£¥])$/.exec(s.text);
    if (trailing && segments[i + 1]) {
      const width = (s.x1 - s.x0) * (trailing[1].length / s.text.length);
      s = segments[i] = { ...s, text: trailing[1], x1: s.x0 + width };
      segments[i + 1] = { ...segments[i + 1], text: `${trailing[2]}${segments[i + 1].text}` };
    }
    if (/^[$€£¥]$/.test(s.text) && segments[i + 1]) {
      segments[i + 1] = { ...segments[i + 1], text: `${s.text}${segments[i + 1].text}`, x0: s.x0 };
      segments.splice(i--, 1);
    } else if (/^(\)|%|\)%|%\))$/.test(s.text) && i > 0) {
      segments[i - 1] = { ...segments[i - 1], text: segments[i - 1].text + s.text, x1: s.x1 };
      segments.splice(i--, 1);
    }
  }
  const size = dominantSize(runs);
  return { y: median(runs.map((r) => r.y)), x0: segments[0].x0, x1: Math.max(...segments.map((s) => s.x1)), size, segments };
}

export function mergeRuns(runs: TextRun[]): Segment {
  return {
    text: joined(runs),
    x0: runs[0].x0,
    x1: Math.max(...runs.map((r) => r.x1)),
    y: median(runs.map((r) => r.y)),
    size: dominantSize(runs),
    bold: runs.every((r) => r.bold || !r.text.trim()),
  };
}

/** Concatenates runs, adding a space where there is a visible gap and no space already. */
function joined(runs: TextRun[]): string {
  let out = "";
  // out's last character, kept aside: testing the end of out itself went over the whole line each time.
  let last = "";
  let prev: TextRun | undefined;
  for (const r of runs) {
    if (prev) {
      const gap = r.x0 - prev.x1;
      if (gap > 0.15 * Math.min(r.size, prev.size) && !/\s/.test(last) && !/^\s/.test(r.text)) {
        out += " ";
        last = " ";
      }
    }
    out += r.text;
    if (r.text) last = r.text.at(-1)!;
    prev = r;
  }
  return out.replace(/\s+/g, " ").trim();
}

/** The font size carrying most characters. */
export function dominantSize(items: { text: string; size: number }[]): number {
  const weight = new Map<number, number>();
  for (const i of items) {
    const k = Math.round(i.size * 2) / 2;
    weight.set(k, (weight.get(k) ?? 0) + i.text.length);
  }
  let best = items[0]?.size ?? 0;
  let bestW = -1;
  for (const [k, w] of weight)
    if (w > bestW) {
      best = k;
      bestW = w;
    }
  return best;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
}
