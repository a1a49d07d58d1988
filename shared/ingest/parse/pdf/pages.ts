import type { OpenedPdf, PdfPage } from "./document";

// A PDF's pages with their text content, in order, a few pages asked for ahead of the one being read:
// pdf.js (on its own thread) reads the next pages while the caller lays out this one.

export type TextContent = Awaited<ReturnType<PdfPage["getTextContent"]>>;

export interface FetchedPage {
  number: number;
  page: PdfPage;
  content: TextContent;
}

/** Pages asked for beyond the one being read: enough to keep pdf.js busy, few enough to hold little memory. */
const AHEAD = 2;

export class PageFeed {
  private readonly pending: Promise<FetchedPage>[] = [];
  private asked = 0;

  constructor(
    private readonly opened: OpenedPdf,
    private readonly ahead = AHEAD,
  ) {}

  /** The next page, or undefined after the last. */
  next(): Promise<FetchedPage | undefined> {
    const total = this.opened.pdf.numPages;
    while (this.asked < total && this.pending.length <= this.ahead) this.ask(++this.asked);
    return this.pending.shift() ?? Promise.resolve(undefined);
  }

  private ask(number: number) {
    const { pdf, guard } = this.opened;
    const fetched = guard(pdf.getPage(number).then(async (page) => ({ number, page, content: await page.getTextContent() })));
    // A page asked for ahead and never read (the parse failed first) must not become an unhandled rejection.
    fetched.catch(() => {});
    this.pending.push(fetched);
  }
}
