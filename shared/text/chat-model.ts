import type { Generator } from "../ports/models";
import type { TokenUsage } from "./tokens";

// A chat model that can also answer non-streamed prompts (query rewriting, expansion). Only real
// LLM generators have one; the extractive fallback does not, so transformations stay off there.

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatModel {
  readonly model: string;
  readonly backend: string;
  complete(messages: ChatMessage[], opts?: { maxTokens?: number; signal?: AbortSignal }): Promise<{ text: string; usage: TokenUsage }>;
}

export function asChatModel(generator: Generator): ChatModel | undefined {
  const g = generator as Partial<ChatModel>;
  return typeof g.complete === "function" ? (generator as unknown as ChatModel) : undefined;
}

/** A generate request that also reports token usage when the generator knows it. */
export interface UsageHook {
  onUsage?: (usage: TokenUsage) => void;
}
