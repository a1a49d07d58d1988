import type { PdfPage } from "./document";
import { pdfOps } from "./document";

// One page's text layer as positioned runs (top-down coordinates, in points), with font size and weight.

export interface TextRun {
  text: string;
  x0: number;
  x1: number;
  /** Baseline, measured from the top of the page. */
  y: number;
  size: number;
  bold: boolean;
}

export interface PageText {
  page: number;
  width: number;
  height: number;
  runs: TextRun[];
  /** The page paints images (a scan, or a figure): with no text, it goes to OCR. */
  hasImages: boolean;
}

interface RawItem {
  str: string;
  transform: number[];
  width: number;
  fontName: string;
}

const BOLD = /bold|black|heavy|semibold|demibold|[-,]b$|\bbd\b/i;

/** Font ids (document-wide in pdfjs: "g_d0_f3") → bold, filled as pages load their fonts. */
export type FontBook = Map<string, boolean>;

export async function pageText(page: PdfPage, pageNumber: number, fonts: FontBook = new Map()): Promise<PageText> {
  const viewport = page.getViewport({ scale: 1 });
  const content = await page.getTextContent();
  const chars = (content.items as RawItem[]).reduce((n, i) => n + (i.str?.trim().length ?? 0), 0);
  // The operator list is what loads fonts (their real names tell bold apart) and shows painted images, but it
  // costs more than the text: only pages with a font not seen before, or with next to no text, need it.
  let hasImages = false;
  const unknown = Object.keys(content.styles).some((f) => !fonts.has(f));
  if (unknown || chars < 20) {
    const OPS = await pdfOps();
    const list = await page.getOperatorList();
    const imageOps = new Set([
      OPS.paintImageXObject,
      OPS.paintInlineImageXObject,
      OPS.paintImageMaskXObject,
      OPS.paintImageXObjectRepeat,
      OPS.paintInlineImageXObjectGroup,
    ]);
    hasImages = list.fnArray.some((fn) => imageOps.has(fn));
    for (const f of Object.keys(content.styles)) {
      if (fonts.has(f)) continue;
      let bold = false;
      try {
        const font = page.commonObjs.has(f) ? (page.commonObjs.get(f) as { name?: string; bold?: boolean }) : undefined;
        bold = Boolean(font?.bold) || BOLD.test(font?.name ?? "");
      } catch {
        /* font not resolved: regular */
      }
      fonts.set(f, bold);
    }
  }
  const isBold = (f: string) => fonts.get(f) ?? false;

  const vt = viewport.transform;
  const runs: TextRun[] = [];
  for (const raw of content.items as RawItem[]) {
    if (!("str" in raw) || !raw.str.trim()) continue;
    const t = multiply(vt, raw.transform);
    // Horizontal, upright text only (a: x scale > 0, d: y scale < 0 after the viewport's flip).
    if (Math.abs(t[1]) > 0.01 * Math.abs(t[0]) || Math.abs(t[2]) > 0.01 * Math.abs(t[3]) || t[0] <= 0 || t[3] >= 0) continue;
    const size = Math.abs(t[3]);
    if (size < 1) continue;
    const scaleX = Math.hypot(vt[0], vt[1]);
    runs.push({ text: raw.str, x0: t[4], x1: t[4] + raw.width * scaleX, y: t[5], size, bold: isBold(raw.fontName) });
  }
  return { page: pageNumber, width: viewport.width, height: viewport.height, runs, hasImages };
}

function multiply(m: number[], n: number[]): number[] {
  return [
    m[0] * n[0] + m[2] * n[1],
    m[1] * n[0] + m[3] * n[1],
    m[0] * n[2] + m[2] * n[3],
    m[1] * n[2] + m[3] * n[3],
    m[0] * n[4] + m[2] * n[5] + m[4],
    m[1] * n[4] + m[3] * n[5] + m[5],
  ];
}
