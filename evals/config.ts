import { z } from "zod";
import { LlmJudge, type Judge } from "./verdict/judge";

// Settings of the evals (RAGLINE_EVAL_*, RAGLINE_JUDGE_*). Read here, not in the core config: they
// concern the eval runner and the scheduled evals function only.

export const evalConfigSchema = z
  .object({
    /** Datasets root; default ../shared/datasets beside the repo, then the bucket's .evals/datasets/ for what it lacks; "bucket": the bucket only. */
    RAGLINE_EVAL_DATASETS: z.string().min(1).optional(),
    /** What the scheduled evals run: "gate" (default), a suite spec ("scifact:50:200,clapnq"), or "off". */
    RAGLINE_EVAL_SUITE: z.string().min(1).default("gate"),
    /** Key prefix of the eval documents in the bucket. */
    RAGLINE_EVAL_NAMESPACE: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "must be a key prefix like evals")
      .default("evals"),
    RAGLINE_EVAL_CONCURRENCY: z.coerce.number().int().positive().default(4),
    /** An OpenAI-compatible chat endpoint (base URL, as RAGLINE_LLM_URL) and model for the LLM judge. */
    RAGLINE_JUDGE_URL: z.string().url().optional(),
    RAGLINE_JUDGE_MODEL: z.string().min(1).optional(),
    RAGLINE_JUDGE_API_KEY: z.string().min(1).optional(),
    RAGLINE_JUDGE_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  })
  .refine((c) => !!c.RAGLINE_JUDGE_URL === !!c.RAGLINE_JUDGE_MODEL, {
    message: "RAGLINE_JUDGE_URL and RAGLINE_JUDGE_MODEL go together",
    path: ["RAGLINE_JUDGE_MODEL"],
  });

export type EvalConfig = z.infer<typeof evalConfigSchema>;

export function loadEvalConfig(env: Record<string, string | undefined> = process.env): EvalConfig {
  const r = evalConfigSchema.safeParse(env);
  if (!r.success) throw new Error(`invalid eval configuration:\n  ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n  ")}`);
  return r.data;
}

export function judgeFrom(c: EvalConfig): Judge | undefined {
  if (!c.RAGLINE_JUDGE_URL || !c.RAGLINE_JUDGE_MODEL) return undefined;
  return new LlmJudge({ url: c.RAGLINE_JUDGE_URL, model: c.RAGLINE_JUDGE_MODEL, apiKey: c.RAGLINE_JUDGE_API_KEY, timeoutMs: c.RAGLINE_JUDGE_TIMEOUT_MS });
}
