// Token counting for budgets. No tokenizer of the served model is available in-process, so this is
// an estimate: a common English word is one BPE token, long or non-ASCII words more, digits go
// in threes, punctuation is its own token. Servers' reported `usage` is recorded when they send
// it; the estimate sizes the context budget and fills the gaps.

export function estimateTokens(text: string): number {
  let n = 0;
  for (const [run] of text.matchAll(/[\p{L}\p{M}]+|\p{N}+|[^\s\p{L}\p{M}\p{N}]/gu)) {
    if (/\p{N}/u.test(run[0]))
      n += Math.ceil(run.length / 3); // digits go in groups of up to three
    else if (/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/.test(run))
      n += run.length; // CJK: about a token a character
    else if (/\p{L}/u.test(run[0]))
      n += 1 + Math.floor(run.length / (/^[\x00-\x7f]+$/.test(run) ? 8 : 5)); // common words are one token
    else n += 1; // punctuation
  }
  return n;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** "server" when the host reported it, "estimate" otherwise. */
  source: "server" | "estimate";
}
