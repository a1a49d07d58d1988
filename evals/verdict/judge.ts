import { InferenceHost } from "../../shared/adapters/inference/host-client";
import type { ChatMessage } from "../../shared/text/chat-model";
import { RUBRIC } from "./rubric";
import { VERDICTS, type Verdict, type VerdictResult } from "./types";

// The LLM judge: an OpenAI-compatible chat endpoint (RAGLINE_JUDGE_URL + RAGLINE_JUDGE_MODEL), spoken
// to through the same client as the generator (timeouts, retries, backoff, concurrency cap).

export interface JudgeInput {
  question: string;
  /** Gold answers; empty with `unanswerable` when the documents do not answer it. */
  references: string[];
  unanswerable: boolean;
  /** Annotated evidence, when the dataset has it. */
  evidence: string[];
  answer: string;
  /** The passages the answer cites, by their [n]. */
  sources: { n: number; text: string }[];
}

export interface Judge {
  readonly id: string;
  judge(input: JudgeInput): Promise<VerdictResult>;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)} …` : s);

export function judgeMessages(x: JudgeInput): ChatMessage[] {
  const reference = x.unanswerable
    ? "The documents do not answer this question."
    : x.references.length
      ? x.references.map((r, i) => `(${i + 1}) ${clip(r, 1500)}`).join("\n")
      : "(none given)";
  const evidence = x.evidence.length
    ? `\n\nAnnotated evidence:\n${x.evidence
        .slice(0, 5)
        .map((e) => `- ${clip(e, 600)}`)
        .join("\n")}`
    : "";
  const sources = x.sources.length ? x.sources.map((s) => `[${s.n}] ${clip(s.text, 1200)}`).join("\n\n") : "(the answer cites nothing)";
  return [
    { role: "system", content: RUBRIC },
    {
      role: "user",
      content: `Question:\n${x.question}\n\nReference answer:\n${reference}${evidence}\n\nAnswer to grade:\n${x.answer || "(empty)"}\n\nPassages the answer cites:\n${sources}`,
    },
  ];
}

/** The verdict object from a reply (tolerates code fences and text around it). */
export function parseJudgeReply(text: string): { verdict: Verdict; reason: string } | undefined {
  const m = /\{[\s\S]*\}/.exec(text);
  if (!m) return undefined;
  try {
    const obj = JSON.parse(m[0]) as { verdict?: unknown; reason?: unknown };
    const verdict = String(obj.verdict ?? "")
      .toLowerCase()
      .trim() as Verdict;
    if (!VERDICTS.includes(verdict)) return undefined;
    return { verdict, reason: typeof obj.reason === "string" ? obj.reason : "" };
  } catch {
    return undefined;
  }
}

export interface JudgeConfig {
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
  concurrency?: number;
}

export class LlmJudge implements Judge {
  readonly id: string;
  private readonly host: InferenceHost;

  constructor(private readonly cfg: JudgeConfig) {
    this.id = `judge:${cfg.model}`;
    this.host = new InferenceHost({
      baseUrl: cfg.url.replace(/\/+$/, "").replace(/\/v1$/, ""),
      apiKey: cfg.apiKey,
      label: "judge",
      timeoutMs: cfg.timeoutMs ?? 60_000,
      retries: 3,
      backoffMs: 500,
      maxBackoffMs: 8_000,
      concurrency: cfg.concurrency ?? 4,
      breakerFailures: 5,
      breakerCooldownMs: 15_000,
    });
  }

  async judge(input: JudgeInput): Promise<VerdictResult> {
    const messages = judgeMessages(input);
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await this.host.json<{ choices?: { message?: { content?: string | null } }[] }>("/v1/chat/completions", {
        model: this.cfg.model,
        messages,
        temperature: 0,
        max_tokens: 200,
        stream: false,
      });
      const parsed = parseJudgeReply(res.choices?.[0]?.message?.content ?? "");
      if (parsed) return { verdict: parsed.verdict, by: this.id, reason: parsed.reason };
    }
    throw new Error(`${this.id}: the judge's reply had no verdict twice`);
  }
}
