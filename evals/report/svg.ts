// Inline SVG charts for the HTML report: no scripts, no external assets, readable when printed.

export const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export const COLORS = { useful: "#2e7d32", partly: "#f9a825", wrong: "#c62828", unscored: "#9e9e9e", bar: "#1565c0", bar2: "#90caf9" };

export interface Bar {
  label: string;
  value: number /** Interval whisker, same scale as value. */;
  low?: number;
  high?: number;
  text?: string;
  color?: string;
}

/** Horizontal bars on a shared scale [0, max]. */
export function barChart(bars: readonly Bar[], opts: { max?: number; width?: number; title?: string; unit?: string } = {}): string {
  const width = opts.width ?? 560;
  const labelW = 150;
  const valueW = 90;
  const row = 22;
  const plotW = width - labelW - valueW;
  const max = opts.max ?? Math.max(1e-9, ...bars.map((b) => Math.max(b.value, b.high ?? 0)));
  const x = (v: number) => labelW + Math.max(0, Math.min(1, v / max)) * plotW;
  const top = opts.title ? 22 : 4;
  const height = top + bars.length * row + 4;
  const parts = bars.map((b, i) => {
    const y = top + i * row;
    const whisker =
      b.low !== undefined && b.high !== undefined
        ? `<line x1="${x(b.low)}" x2="${x(b.high)}" y1="${y + 9}" y2="${y + 9}" stroke="#000" stroke-width="1.5"/><line x1="${x(b.low)}" x2="${x(b.low)}" y1="${y + 4}" y2="${y + 14}" stroke="#000"/><line x1="${x(b.high)}" x2="${x(b.high)}" y1="${y + 4}" y2="${y + 14}" stroke="#000"/>`
        : "";
    return (
      `<text x="${labelW - 6}" y="${y + 13}" text-anchor="end">${esc(b.label)}</text>` +
      `<rect x="${labelW}" y="${y + 3}" width="${Math.max(0, x(b.value) - labelW)}" height="12" fill="${b.color ?? COLORS.bar}"/>${whisker}` +
      `<text x="${width - valueW + 6}" y="${y + 13}">${esc(b.text ?? b.value.toFixed(3))}${opts.unit ? esc(opts.unit) : ""}</text>`
    );
  });
  const title = opts.title ? `<text x="0" y="14" font-weight="bold">${esc(opts.title)}</text>` : "";
  return svg(width, height, title + `<line x1="${labelW}" x2="${labelW}" y1="${top}" y2="${height - 4}" stroke="#555"/>` + parts.join(""));
}

/** One stacked bar per row: segments in order, with their counts. */
export function stackedBars(
  rows: readonly { label: string; segments: { name: string; value: number; color: string }[] }[],
  opts: { width?: number; title?: string } = {},
): string {
  const width = opts.width ?? 560;
  const labelW = 150;
  const plotW = width - labelW - 10;
  const row = 26;
  const top = opts.title ? 22 : 4;
  const legendY = top + rows.length * row + 8;
  const parts = rows.map((r, i) => {
    const y = top + i * row;
    const total = r.segments.reduce((a, s) => a + s.value, 0) || 1;
    let x = labelW;
    const segs = r.segments
      .filter((s) => s.value > 0)
      .map((s) => {
        const w = (s.value / total) * plotW;
        const out =
          `<rect x="${x}" y="${y + 2}" width="${w}" height="18" fill="${s.color}"><title>${esc(s.name)}: ${s.value}</title></rect>` +
          (w > 24 ? `<text x="${x + w / 2}" y="${y + 15}" text-anchor="middle" fill="#fff">${s.value}</text>` : "");
        x += w;
        return out;
      });
    return `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${esc(r.label)}</text>${segs.join("")}`;
  });
  const names = rows[0]?.segments ?? [];
  const legend = names
    .map(
      (s, i) =>
        `<rect x="${labelW + i * 100}" y="${legendY}" width="10" height="10" fill="${s.color}"/><text x="${labelW + i * 100 + 14}" y="${legendY + 9}">${esc(s.name)}</text>`,
    )
    .join("");
  const title = opts.title ? `<text x="0" y="14" font-weight="bold">${esc(opts.title)}</text>` : "";
  return svg(width, legendY + 16, title + parts.join("") + legend);
}

/** Pairs of bars (e.g. p50 and p95) per row on one scale. */
export function pairedBars(
  rows: readonly { label: string; a: number; b: number }[],
  opts: { names: [string, string]; width?: number; title?: string; unit?: string },
): string {
  const width = opts.width ?? 560;
  const labelW = 150;
  const valueW = 120;
  const plotW = width - labelW - valueW;
  const row = 26;
  const top = opts.title ? 22 : 4;
  const max = Math.max(1e-9, ...rows.flatMap((r) => [r.a, r.b]));
  const w = (v: number) => (v / max) * plotW;
  const parts = rows.map((r, i) => {
    const y = top + i * row;
    return (
      `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${esc(r.label)}</text>` +
      `<rect x="${labelW}" y="${y + 2}" width="${w(r.a)}" height="10" fill="${COLORS.bar}"/>` +
      `<rect x="${labelW}" y="${y + 12}" width="${w(r.b)}" height="10" fill="${COLORS.bar2}"/>` +
      `<text x="${width - valueW + 6}" y="${y + 14}">${Math.round(r.a)} / ${Math.round(r.b)}${esc(opts.unit ?? "")}</text>`
    );
  });
  const legendY = top + rows.length * row + 8;
  const legend =
    `<rect x="${labelW}" y="${legendY}" width="10" height="10" fill="${COLORS.bar}"/><text x="${labelW + 14}" y="${legendY + 9}">${esc(opts.names[0])}</text>` +
    `<rect x="${labelW + 100}" y="${legendY}" width="10" height="10" fill="${COLORS.bar2}"/><text x="${labelW + 114}" y="${legendY + 9}">${esc(opts.names[1])}</text>`;
  const title = opts.title ? `<text x="0" y="14" font-weight="bold">${esc(opts.title)}</text>` : "";
  return svg(width, legendY + 16, title + parts.join("") + legend);
}

/** Coordinates to one decimal: smaller pages, same picture. */
const svg = (width: number, height: number, body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">${body.replace(/="(-?\d+\.\d)\d+"/g, '="$1"')}</svg>`;
