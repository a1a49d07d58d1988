import type { Block } from "../../../domain/document";

// Headings are told apart by typography relative to the body text: a larger size, or bold at body size,
// on a short paragraph of its own. Levels follow size (largest = 1); among bold headings of body size,
// SEC-style "PART I" > "Item 7." > "NOTE 3." and ALL-CAPS headings > the other bold lines.

export interface StyledBlock extends Block {
  size?: number;
  bold?: boolean;
}

export function assignHeadings(blocks: StyledBlock[]): Block[] {
  const body = bodySize(blocks);
  const candidate = (b: StyledBlock) => {
    if (b.kind !== "paragraph" || b.size === undefined) return false;
    const t = b.text.trim();
    const words = t.split(/\s+/).length;
    if (words > 20 || t.length > 160 || !/[A-Za-z]{3}/.test(t) || /^[a-z]/.test(t)) return false;
    if (/[,;]$/.test(t) || (/\.$/.test(t) && !/^(item|part|section|note|chapter)\b/i.test(t) && words > 6)) return false;
    return b.size >= body * 1.15 || (Boolean(b.bold) && b.size >= body - 0.5);
  };
  const sizes = [...new Set(blocks.filter((b) => candidate(b) && b.size! >= body * 1.15).map((b) => b.size!))].sort((a, b) => b - a).slice(0, 3);
  const levelOf = (b: StyledBlock): number => {
    const bySize = sizes.findIndex((s) => b.size! >= s);
    if (b.size! >= body * 1.15 && bySize >= 0) return bySize + 1;
    // Bold at body size: PART > Item > NOTE n / ALL-CAPS headings > other bold lines.
    const base = Math.min(sizes.length, 3) + 1;
    if (/^part\s+[ivx]+\b/i.test(b.text)) return base;
    if (/^item\s+\d+[a-z]?\b/i.test(b.text)) return base + 1;
    if (/^note\s+\d+\b/i.test(b.text) || (b.text === b.text.toUpperCase() && /[A-Z]{4}/.test(b.text))) return base + 2;
    return base + 3;
  };
  return blocks.map(({ size, bold, ...b }) => (candidate({ ...b, size, bold }) ? { ...b, kind: "heading", level: levelOf({ ...b, size, bold }) } : b));
}

/** The size that carries most of the paragraph text. */
function bodySize(blocks: StyledBlock[]): number {
  const weight = new Map<number, number>();
  for (const b of blocks) if (b.size !== undefined && b.kind !== "table") weight.set(b.size, (weight.get(b.size) ?? 0) + b.text.length);
  let best = 10;
  let w = -1;
  for (const [s, n] of weight)
    if (n > w) {
      best = s;
      w = n;
    }
  return best;
}
