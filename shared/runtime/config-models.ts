import { z } from "zod";

// Settings of the model ports (embedder, reranker, generator). Owned by the answer-quality work.
// Empty = the local fallbacks (lexical embedder, pass-through reranker, extractive generator).
export const modelConfigSchema = z.object({
  RAGLINE_EMBEDDER: z.enum(["local"]).default("local"),
  RAGLINE_RERANKER: z.enum(["none"]).default("none"),
  RAGLINE_GENERATOR: z.enum(["extractive"]).default("extractive"),
});
