import { InferenceHost, type InferenceHostOptions } from "../adapters/inference/host-client";
import { OpenAIChatGenerator } from "../adapters/inference/openai-chat-generator";
import { OpenAIEmbedder } from "../adapters/inference/openai-embedder";
import { TeiEmbedder } from "../adapters/inference/tei-embedder";
import { TeiReranker } from "../adapters/inference/tei-reranker";
import { VllmReranker } from "../adapters/inference/vllm-reranker";
import { ExtractiveGenerator } from "../adapters/local/extractive-generator";
import { HashedNgramEmbedder } from "../adapters/local/hashed-ngram-embedder";
import { PassThroughReranker } from "../adapters/local/pass-through-reranker";
import { keyStoreFor } from "../auth/key-store";
import type { Embedder, Generator, Reranker } from "../ports";
import { ConfigError, type Config } from "./config";

// The model ports chosen by configuration. A remote backend without its URL or model stops
// start-up with a message naming the variable.

type ModelSettings = Omit<Config, "dataDir" | "bucketDir">;

function required<K extends keyof ModelSettings>(config: ModelSettings, name: K, because: string): NonNullable<ModelSettings[K]> {
  const v = config[name];
  if (v === undefined || v === "") throw new ConfigError(`invalid configuration:\n  ${String(name)}: required when ${because}`);
  return v as NonNullable<ModelSettings[K]>;
}

function host(config: ModelSettings, label: string, baseUrl: string, apiKey: string | undefined): InferenceHost {
  const opts: InferenceHostOptions = {
    baseUrl,
    apiKey,
    label,
    timeoutMs: config.RAGLINE_INFERENCE_TIMEOUT_MS,
    retries: config.RAGLINE_INFERENCE_RETRIES,
    backoffMs: config.RAGLINE_INFERENCE_BACKOFF_MS,
    maxBackoffMs: config.RAGLINE_INFERENCE_MAX_BACKOFF_MS,
    concurrency: config.RAGLINE_INFERENCE_CONCURRENCY,
    breakerFailures: config.RAGLINE_BREAKER_FAILURES,
    breakerCooldownMs: config.RAGLINE_BREAKER_COOLDOWN_MS,
  };
  return new InferenceHost(opts);
}

export function createEmbedder(config: ModelSettings): Embedder {
  if (config.RAGLINE_EMBEDDER === "local") return new HashedNgramEmbedder(config.RAGLINE_EMBED_DIMENSIONS);
  const because = `RAGLINE_EMBEDDER=${config.RAGLINE_EMBEDDER}`;
  const h = host(config, "embeddings", required(config, "RAGLINE_EMBED_URL", because), config.RAGLINE_EMBED_API_KEY);
  const opts = {
    model: required(config, "RAGLINE_EMBED_MODEL", `${because} (the model id is recorded on every chunk)`),
    dimensions: config.RAGLINE_EMBED_DIMENSIONS,
    batchSize: config.RAGLINE_EMBED_BATCH,
    queryPrefix: config.RAGLINE_EMBED_QUERY_PREFIX,
    documentPrefix: config.RAGLINE_EMBED_DOCUMENT_PREFIX,
  };
  return config.RAGLINE_EMBEDDER === "openai" ? new OpenAIEmbedder(h, opts) : new TeiEmbedder(h, opts);
}

export function createReranker(config: ModelSettings): Reranker {
  if (config.RAGLINE_RERANKER === "none") return new PassThroughReranker();
  const because = `RAGLINE_RERANKER=${config.RAGLINE_RERANKER}`;
  const h = host(config, "rerank", required(config, "RAGLINE_RERANK_URL", because), config.RAGLINE_RERANK_API_KEY);
  const model = required(config, "RAGLINE_RERANK_MODEL", `${because} (the model id is recorded on every answer)`);
  return config.RAGLINE_RERANKER === "tei" ? new TeiReranker(h, model) : new VllmReranker(h, model);
}

export function createGenerator(config: ModelSettings): Generator {
  if (config.RAGLINE_GENERATOR === "extractive") return new ExtractiveGenerator();
  const because = `RAGLINE_GENERATOR=${config.RAGLINE_GENERATOR}`;
  const h = host(config, "chat", required(config, "RAGLINE_LLM_URL", because), config.RAGLINE_LLM_API_KEY);
  return new OpenAIChatGenerator(h, {
    model: required(config, "RAGLINE_LLM_MODEL", because),
    maxTokens: config.RAGLINE_LLM_MAX_TOKENS,
    temperature: config.RAGLINE_LLM_TEMPERATURE,
  });
}

/** The embedder of the previous model during a rollout, when configured (RAGLINE_PREVIOUS_EMBED*). */
export function createPreviousEmbedder(config: ModelSettings): Embedder | undefined {
  if (!config.RAGLINE_PREVIOUS_EMBEDDER) return undefined;
  return createEmbedder({
    ...config,
    RAGLINE_EMBEDDER: config.RAGLINE_PREVIOUS_EMBEDDER,
    RAGLINE_EMBED_URL: config.RAGLINE_PREVIOUS_EMBED_URL ?? config.RAGLINE_EMBED_URL,
    RAGLINE_EMBED_MODEL: config.RAGLINE_PREVIOUS_EMBED_MODEL,
    RAGLINE_EMBED_DIMENSIONS: config.RAGLINE_PREVIOUS_EMBED_DIMENSIONS,
  });
}

/** The model ports chosen by configuration (and the key store checked, so a bad one stops start-up too). */
export function createModelPorts(config: Config): { embedder: Embedder; previousEmbedder?: Embedder; reranker: Reranker; generator: Generator } {
  keyStoreFor(config);
  return {
    embedder: createEmbedder(config),
    previousEmbedder: createPreviousEmbedder(config),
    reranker: createReranker(config),
    generator: createGenerator(config),
  };
}
