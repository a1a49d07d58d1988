import type { TableData } from "../../../domain/document";

// A table found on a PDF page, shared by the two finders (ruled-less numeric tables and text grids).

/** A value column's horizontal extent. */
export interface Column {
  x0: number;
  x1: number;
}

export interface PdfTable {
  /** Indices (into the page's lines) consumed by the table. */
  lineIndices: number[];
  table: TableData;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** Value columns (numeric tables): a header-less continuation below or on the next page can borrow the header. */
  columns?: Column[];
}
