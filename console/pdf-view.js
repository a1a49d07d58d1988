import { ApiError, documentPath } from "./lib/api.js";
import { apiUrl } from "./lib/config.js";
import { $, fill, h } from "./lib/dom.js";
import { session } from "./lib/session.js";

// A citation's source: for a PDF, the cited page rendered with pdf.js (served by the host from
// node_modules, loaded only when a citation is first opened) with the cited text marked over it;
// for other documents, the cited text. The bytes come from GET /documents/{key}?content with the
// session's key, as the caller's own read.

const PDFJS = "/console/vendor/pdfjs/";
let pdfjs;
const documents = new Map(); // key → Promise<PDFDocumentProxy>, for the answer on screen
let shown = 0; // the latest request wins when citations are clicked in quick succession

async function loadPdfjs() {
  if (!pdfjs) {
    pdfjs = await import(`${PDFJS}pdf.min.mjs`);
    pdfjs.GlobalWorkerOptions.workerSrc = `${PDFJS}pdf.worker.min.mjs`;
  }
  return pdfjs;
}

async function fetchBytes(key) {
  const headers = session.key() ? { "x-api-key": session.key() } : {};
  const res = await fetch(apiUrl(`${documentPath(key)}?content`), { headers });
  if (!res.ok)
    throw new ApiError(
      res.status,
      `http_${res.status}`,
      `${res.status}: the document could not be read (${res.status === 404 ? "gone, or not readable with this key" : res.statusText})`,
    );
  return new Uint8Array(await res.arrayBuffer());
}

function openPdf(key) {
  if (!documents.has(key)) {
    const p = Promise.all([loadPdfjs(), fetchBytes(key)]).then(
      ([lib, data]) => lib.getDocument({ data, isEvalSupported: false, standardFontDataUrl: `${PDFJS}standard_fonts/` }).promise,
    );
    p.catch(() => documents.delete(key)); // a failure is not kept: the next click tries again
    documents.set(key, p);
  }
  return documents.get(key);
}

/** A new answer: the documents of the last one are let go. */
export function resetViewer() {
  for (const p of documents.values())
    p.then(
      (d) => d.destroy(),
      () => {},
    );
  documents.clear();
  $("#viewer").hidden = true;
}

/** Shows citation `c` ({n, documentKey, page, text}). */
export async function openCitation(c) {
  const mine = ++shown;
  const viewer = $("#viewer");
  viewer.hidden = false;
  viewer.dataset.state = "loading";
  viewer.dataset.key = c.documentKey;
  delete viewer.dataset.page;
  $("#viewer-title").textContent = `[${c.n}] ${c.documentKey}${c.page ? ` · page ${c.page}` : ""}`;
  $("#viewer-text").textContent = c.text;
  fill($("#viewer-page"));
  const isPdf = /\.pdf$/i.test(c.documentKey) && c.page;
  $("#viewer-note").textContent = isPdf ? "Rendering the page…" : "The page view is for PDFs; the cited text is below.";
  $("#viewer-title").focus();
  if (!isPdf) {
    viewer.dataset.state = "text";
    return;
  }
  try {
    const doc = await openPdf(c.documentKey);
    const page = await doc.getPage(Math.min(c.page, doc.numPages));
    if (mine !== shown) return;
    const { canvas, marks } = await renderPage(page, c.text);
    if (mine !== shown) return;
    fill($("#viewer-page"), canvas, marks);
    viewer.dataset.page = String(page.pageNumber);
    viewer.dataset.state = "rendered";
    $("#viewer-note").textContent =
      `Page ${page.pageNumber} of ${doc.numPages}. ` +
      (marks.length
        ? `The cited text is marked (${marks.length} line${marks.length === 1 ? "" : "s"}).`
        : "The cited text was not found as such on the page (a table or a scan?); it is shown below.");
  } catch (err) {
    if (mine !== shown) return;
    viewer.dataset.state = "failed";
    $("#viewer-note").textContent = err.message ?? String(err);
  }
}

async function renderPage(page, cited) {
  const lib = await loadPdfjs();
  const viewport = page.getViewport({ scale: 1.4 });
  const canvas = h("canvas", { width: Math.ceil(viewport.width), height: Math.ceil(viewport.height), "aria-label": `page ${page.pageNumber}`, role: "img" });
  await page.render({ canvas, canvasContext: canvas.getContext("2d"), viewport }).promise;
  const { items } = await page.getTextContent();
  const marks = citedItems(items, cited).map((item) => {
    const tx = lib.Util.transform(viewport.transform, item.transform);
    const height = Math.hypot(tx[2], tx[3]);
    const mark = h("div", { class: "hl", "data-text": item.str });
    // CSSOM, not a style attribute: allowed under the console's CSP.
    Object.assign(mark.style, { left: `${tx[4]}px`, top: `${tx[5] - height}px`, width: `${item.width * viewport.scale}px`, height: `${height * 1.15}px` });
    return mark;
  });
  return { canvas, marks };
}

const squash = (s) => s.toLowerCase().replace(/\s+/g, "");

/**
 * The page's text items that hold the cited text. Matched without whitespace (pdf.js splits and joins
 * words its own way), a sentence or clause at a time, so a passage running onto the next page still
 * marks what is on this one.
 */
export function citedItems(items, cited) {
  let page = "";
  const spans = [];
  for (const item of items) {
    const t = squash(item.str ?? "");
    if (!t) continue;
    spans.push({ item, start: page.length, end: page.length + t.length });
    page += t;
  }
  const hit = new Set();
  for (const piece of cited
    .split(/(?<=[.!?;:])\s+|\n+/)
    .map(squash)
    .filter((p) => p.length >= 12)) {
    for (let at = page.indexOf(piece); at >= 0; at = page.indexOf(piece, at + piece.length)) {
      for (const s of spans) if (s.start < at + piece.length && s.end > at) hit.add(s);
    }
  }
  return spans.filter((s) => hit.has(s)).map((s) => s.item);
}
