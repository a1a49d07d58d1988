import type { ParsedDocument } from "../../domain/document";
import type { ParseLimits } from "./limits";

export interface ParseInput {
  key: string;
  body: Buffer;
  /** Content type claimed by the uploader; detection by content wins over it. */
  contentType?: string;
  /** Overrides of DEFAULT_LIMITS (tests use small ones; hosts may raise them). */
  limits?: Partial<ParseLimits>;
}

export interface Parser {
  /** Content types this parser reads. */
  readonly types: readonly string[];
  parse(input: ParseInput): Promise<ParsedDocument>;
}
