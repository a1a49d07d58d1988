import type { Block, ParsedDocument } from "../../domain/document";
import type { Deadline, ParseLimits } from "./limits";

export interface ParseInput {
  key: string;
  body: Buffer;
  /** Content type claimed by the uploader; detection by content wins over it. */
  contentType?: string;
  /** Overrides of DEFAULT_LIMITS (tests use small ones; hosts may raise them). */
  limits?: Partial<ParseLimits>;
}

/** What every parser gets besides the bytes: the limits and the document's deadline. */
export interface ParseEnv {
  limits: ParseLimits;
  deadline: Deadline;
  /** The type detected from the content. */
  type: string;
}

export interface Parser {
  /** Content types this parser reads. */
  readonly types: readonly string[];
  parse(input: ParseInput, env: ParseEnv): Promise<ParsedDocument>;
}

/** One page read by OCR (locally or on an OCR host): its blocks, mean word confidence 0..1 (weighted by word length), word count. */
export interface OcrPage {
  page: number;
  blocks: Block[];
  confidence: number;
  words: number;
}
