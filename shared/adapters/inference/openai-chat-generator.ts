import { TransientError } from "../../domain/errors";
import type { GenerateRequest, Generator } from "../../ports/models";
import type { ChatMessage, ChatModel, UsageHook } from "../../text/chat-model";
import { groundedPrompt } from "../../text/prompt";
import { InferenceHost } from "./host-client";
import { estimateTokens, type TokenUsage } from "../../text/tokens";

// OpenAI-compatible POST /v1/chat/completions (vLLM, Ollama, llama.cpp server, TGI, LM Studio,
// hosted APIs). Answers stream as server-sent events; each delta is yielded as it arrives.

export interface ChatOptions {
  model: string;
  maxTokens: number;
  temperature: number;
}

interface ChatChunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string } | string;
}

export class OpenAIChatGenerator implements Generator, ChatModel {
  readonly backend: string;

  constructor(
    private readonly host: InferenceHost,
    private readonly opts: ChatOptions,
  ) {
    this.backend = `openai-compatible ${host.baseUrl}`;
  }

  get model() {
    return this.opts.model;
  }

  async *generate(req: GenerateRequest & UsageHook): AsyncIterable<string> {
    const messages = groundedPrompt(req.question, req.sources);
    let answer = "";
    let finished = false;
    let usage: ChatChunk["usage"];
    const body = {
      model: this.opts.model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: this.opts.maxTokens,
      temperature: this.opts.temperature,
    };
    for await (const data of this.host.stream("/v1/chat/completions", body, req.signal)) {
      if (data.trim() === "[DONE]") {
        finished = true;
        break;
      }
      let chunk: ChatChunk;
      try {
        chunk = JSON.parse(data) as ChatChunk;
      } catch {
        throw new TransientError(`${this.backend}: unreadable stream event: ${data.slice(0, 200)}`);
      }
      if (chunk.error) throw new TransientError(`${this.backend}: error in stream: ${typeof chunk.error === "string" ? chunk.error : chunk.error.message}`);
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      const text = choice?.delta?.content;
      if (text) {
        answer += text;
        yield text;
      }
      if (choice?.finish_reason) finished = true;
    }
    if (!finished) throw new TransientError(`${this.backend}: the answer stream ended before it was complete`);
    req.onUsage?.(toUsage(usage, messages, answer));
  }

  async complete(messages: ChatMessage[], opts: { maxTokens?: number; signal?: AbortSignal } = {}): Promise<{ text: string; usage: TokenUsage }> {
    const res = await this.host.json<{ choices?: { message?: { content?: string | null } }[]; usage?: ChatChunk["usage"] }>(
      "/v1/chat/completions",
      { model: this.opts.model, messages, stream: false, max_tokens: opts.maxTokens ?? this.opts.maxTokens, temperature: 0 },
      opts.signal,
    );
    const text = res.choices?.[0]?.message?.content ?? "";
    return { text, usage: toUsage(res.usage, messages, text) };
  }
}

function toUsage(u: ChatChunk["usage"], messages: ChatMessage[], answer: string): TokenUsage {
  if (u?.prompt_tokens !== undefined && u.completion_tokens !== undefined)
    return { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, source: "server" };
  return { promptTokens: messages.reduce((n, m) => n + estimateTokens(m.content) + 4, 0), completionTokens: estimateTokens(answer), source: "estimate" };
}
