import { z } from "zod";
import { authConfigSchema } from "../auth/config-auth";

// Settings of the model ports (embedder, reranker, generator), retrieval and grounding, and who may
// ask (auth). Owned by the answer-quality work. Defaults = the local fallbacks: lexical embedder,
// no reranker, extractive generator. Which model on which host is chosen here, never in code;
// `createModelPorts` refuses to start when a remote backend lacks its URL or model.

const int = (def: number) => z.coerce.number().int().positive().default(def);
const num = (def: number) => z.coerce.number().min(0).default(def);
const url = z.string().url().optional();
const text = z.string().min(1).optional();

export const modelConfigSchema = z
  .object({
    RAGLINE_EMBEDDER: z.enum(["local", "openai", "tei"]).default("local"),
    RAGLINE_EMBED_URL: url,
    RAGLINE_EMBED_MODEL: text,
    RAGLINE_EMBED_API_KEY: text,
    RAGLINE_EMBED_DIMENSIONS: z.coerce.number().int().positive().optional(),
    RAGLINE_EMBED_BATCH: int(32),
    /** Instruction prefixes some embedding models need (e5: "query: " and "passage: "). */
    RAGLINE_EMBED_QUERY_PREFIX: z.string().default(""),
    RAGLINE_EMBED_DOCUMENT_PREFIX: z.string().default(""),

    /**
     * While a new embedding model is rolled out, queries are still embedded with the previous one:
     * how to reach it (not needed when both are local; local model ids carry their dimensions).
     */
    RAGLINE_PREVIOUS_EMBEDDER: z.enum(["local", "openai", "tei"]).optional(),
    RAGLINE_PREVIOUS_EMBED_URL: url,
    RAGLINE_PREVIOUS_EMBED_MODEL: text,
    RAGLINE_PREVIOUS_EMBED_DIMENSIONS: z.coerce.number().int().positive().optional(),

    RAGLINE_RERANKER: z.enum(["none", "tei", "vllm"]).default("none"),
    RAGLINE_RERANK_URL: url,
    RAGLINE_RERANK_MODEL: text,
    RAGLINE_RERANK_API_KEY: text,

    RAGLINE_GENERATOR: z.enum(["extractive", "openai"]).default("extractive"),
    RAGLINE_LLM_URL: url,
    RAGLINE_LLM_MODEL: text,
    RAGLINE_LLM_API_KEY: text,
    RAGLINE_LLM_MAX_TOKENS: int(512),
    RAGLINE_LLM_TEMPERATURE: num(0),
    /** Query rewriting and multi-query expansion: "auto" = on when an LLM generator is configured. */
    RAGLINE_QUERY_TRANSFORM: z.enum(["auto", "off"]).default("auto"),
    RAGLINE_QUERY_EXPANSIONS: z.coerce.number().int().min(0).max(5).default(2),

    /** Inference hosts: per-attempt timeout, retries, backoff, concurrency cap, circuit breaker. */
    RAGLINE_INFERENCE_TIMEOUT_MS: int(30_000),
    RAGLINE_INFERENCE_RETRIES: z.coerce.number().int().min(0).default(3),
    RAGLINE_INFERENCE_BACKOFF_MS: int(250),
    RAGLINE_INFERENCE_MAX_BACKOFF_MS: int(8_000),
    RAGLINE_INFERENCE_CONCURRENCY: int(8),
    RAGLINE_BREAKER_FAILURES: int(5),
    RAGLINE_BREAKER_COOLDOWN_MS: int(15_000),

    /**
     * Hybrid retrieval: reciprocal rank fusion weights (unset = chosen per index generation from its eval
     * set, else a measured BM25-weighted default: shared/query/retrieval-choice.ts) and constant; candidates per answer source.
     */
    RAGLINE_FUSION_BM25_WEIGHT: z.coerce.number().min(0).optional(),
    RAGLINE_FUSION_VECTOR_WEIGHT: z.coerce.number().min(0).optional(),
    RAGLINE_FUSION_K: int(60),
    RAGLINE_CANDIDATES_PER_SOURCE: int(4),
    /** Context assembly budget, in (estimated) tokens. */
    RAGLINE_CONTEXT_TOKENS: int(3_000),
    /** Abstain below this: share of the question's terms in the best passage (no cross-encoder). */
    RAGLINE_MIN_RELEVANCE: num(0.3),
    /** Abstain below this cross-encoder score (0..1), and drop passages under it. */
    RAGLINE_MIN_RERANK_SCORE: num(0.05),
    /** Share of an answer sentence's terms its cited sources must contain. */
    RAGLINE_GROUNDING_MIN_SUPPORT: num(0.6),
  })
  .extend(authConfigSchema.shape);

export type ModelConfig = z.infer<typeof modelConfigSchema>;
