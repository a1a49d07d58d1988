import type { ParsedDocument } from "../../domain/document";

export interface ParseInput {
  key: string;
  body: Buffer;
  /** Content type claimed by the uploader; detection by content wins over it. */
  contentType?: string;
}

export interface Parser {
  /** Content types this parser reads. */
  readonly types: readonly string[];
  parse(input: ParseInput): Promise<ParsedDocument>;
}
