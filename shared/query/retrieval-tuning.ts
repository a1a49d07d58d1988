import { servingEmbedder } from "../ingest/generations";
import { logger } from "../observability/logger";
import type { Embedder } from "../ports/models";
import type { Uses } from "../runtime/context";
import { sha256 } from "../util/hash";
import { chooseWeights, defaultWeights, type RetrievalChoice, type RetrievalEvalQuestion } from "./retrieval-choice";

// Where the fusion choice lives and when it is made. The index's eval set is a JSONL object in the
// bucket (`.index/retrieval-eval.jsonl`, one `{"question", "documentKeys": [...]}` a line; hidden keys
// are never ingested). The choice is recorded beside it, stamped with the serving embedding model: a
// rollout to another model makes it stale, and the next tick measures again. Explicit
// RAGLINE_FUSION_* settings win over both.

export const EVAL_SET_KEY = ".index/retrieval-eval.jsonl";
export const CHOICE_KEY = ".index/retrieval-choice.json";

export class EvalSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EvalSetError";
  }
}

/** Parses an eval set; a malformed line is an error naming the line, not a silently smaller set. */
export function parseEvalSet(text: string): RetrievalEvalQuestion[] {
  const out: RetrievalEvalQuestion[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new EvalSetError(`${EVAL_SET_KEY} line ${i + 1}: not JSON`);
    }
    const r = row as { question?: unknown; documentKeys?: unknown };
    const keys = r.documentKeys;
    if (typeof r.question !== "string" || !r.question.trim() || !Array.isArray(keys) || !keys.length || !keys.every((k) => typeof k === "string")) {
      throw new EvalSetError(`${EVAL_SET_KEY} line ${i + 1}: needs {"question": string, "documentKeys": [string, ...]}`);
    }
    out.push({ question: r.question, documentKeys: keys as string[] });
  });
  return out;
}

async function readEvalSet(ctx: Uses<"objects">): Promise<{ key: string; hash: string; questions: RetrievalEvalQuestion[] } | undefined> {
  const obj = await ctx.objects.get(EVAL_SET_KEY);
  if (!obj) return undefined;
  return { key: EVAL_SET_KEY, hash: sha256(obj.body).slice(0, 16), questions: parseEvalSet(obj.body.toString("utf8")) };
}

async function readChoice(ctx: Uses<"objects">): Promise<RetrievalChoice | undefined> {
  const obj = await ctx.objects.get(CHOICE_KEY);
  if (!obj) return undefined;
  try {
    return JSON.parse(obj.body.toString("utf8")) as RetrievalChoice;
  } catch {
    return undefined; // unreadable: measured again at the next tick
  }
}

/** Weights set explicitly in the configuration (both or either), which override any choice. */
function configured(ctx: Uses<never, "query">, embedder: Pick<Embedder, "backend" | "model">): RetrievalChoice | undefined {
  const b = ctx.settings.query.fusion.bm25Weight;
  const v = ctx.settings.query.fusion.vectorWeight;
  if (b === undefined && v === undefined) return undefined;
  // The unset one keeps its historical weight of 1 (RAGLINE_FUSION_BM25_WEIGHT=0 alone means vectors only).
  return {
    bm25Weight: b ?? 1,
    vectorWeight: v ?? 1,
    embeddingModel: embedder.model,
    chosenBy: "config",
    basis: "RAGLINE_FUSION_BM25_WEIGHT / RAGLINE_FUSION_VECTOR_WEIGHT",
  };
}

const CACHE_MS = 30_000;
const cache = new WeakMap<object, { at: number; choice: RetrievalChoice | undefined }>();

/** The weights queries of this index generation use: configured, else chosen for this model, else the default. */
export async function retrievalChoice(
  ctx: Uses<"objects", "query">,
  embedder: Pick<Embedder, "backend" | "model">,
  now = Date.now(),
): Promise<RetrievalChoice> {
  const explicit = configured(ctx, embedder);
  if (explicit) return explicit;
  let hit = cache.get(ctx);
  if (!hit || now - hit.at > CACHE_MS) {
    hit = { at: now, choice: await readChoice(ctx).catch(() => undefined) };
    cache.set(ctx, hit);
  }
  if (hit.choice && hit.choice.embeddingModel === embedder.model) return hit.choice;
  const d = defaultWeights(embedder);
  return { bm25Weight: d.bm25Weight, vectorWeight: d.vectorWeight, embeddingModel: embedder.model, chosenBy: "default", basis: d.basis };
}

/**
 * Measures and records the weights when the recorded choice is missing, for another embedding model,
 * or from another version of the eval set. Cheap when nothing changed (two small reads).
 */
export async function tuneRetrieval(
  ctx: Uses<"embedder" | "index" | "objects" | "previousEmbedder", "query">,
  opts: { force?: boolean } = {},
): Promise<RetrievalChoice | undefined> {
  if (!(await ctx.index.servingModel())) return undefined; // nothing indexed yet: nothing to measure
  const embedder = await servingEmbedder(ctx);
  const [recorded, evalSet] = await Promise.all([readChoice(ctx), readEvalSet(ctx)]);
  const current = recorded && recorded.embeddingModel === embedder.model && recorded.evalSet?.hash === evalSet?.hash;
  if (current && !opts.force) return recorded;
  const choice = await chooseWeights(ctx.index, embedder, evalSet, { k: ctx.settings.query.fusion.k });
  await ctx.objects.put(CHOICE_KEY, Buffer.from(JSON.stringify(choice, null, 2)), { contentType: "application/json" });
  cache.delete(ctx);
  logger.info("retrieval fusion chosen", {
    model: choice.embeddingModel,
    by: choice.chosenBy,
    bm25: choice.bm25Weight,
    vector: choice.vectorWeight,
    effect: choice.effect,
  });
  return choice;
}

/** What `GET /index/rollout` shows: the weights queries use now, why, and their measured effect. */
export async function retrievalStatus(ctx: Uses<"embedder" | "index" | "objects" | "previousEmbedder", "query">): Promise<RetrievalChoice | { error: string }> {
  try {
    return await retrievalChoice(ctx, await servingEmbedder(ctx));
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}
