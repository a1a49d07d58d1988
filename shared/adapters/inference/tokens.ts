// Token counting for budgets. No tokenizer of the served model is available in-process, so this is
// an estimate (BPE tokenizers of English average ~4 characters a token; punctuation is its own
// token). Servers' reported `usage` is recorded when they send it; the estimate fills the gaps.

export function estimateTokens(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)) n += m[0].length > 1 && /[\p{L}\p{N}]/u.test(m[0][0]) ? Math.ceil(m[0].length / 4) : 1;
  return n;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** "server" when the host reported it, "estimate" otherwise. */
  source: "server" | "estimate";
}
