import { ExtractiveGenerator } from "../adapters/local/extractive-generator";
import { HashedNgramEmbedder } from "../adapters/local/hashed-ngram-embedder";
import { PassThroughReranker } from "../adapters/local/pass-through-reranker";
import type { Embedder, Generator, Reranker } from "../ports";
import type { Config } from "./config";

/** The model ports chosen by configuration. */
export function createModelPorts(_config: Config): { embedder: Embedder; reranker: Reranker; generator: Generator } {
  return { embedder: new HashedNgramEmbedder(), reranker: new PassThroughReranker(), generator: new ExtractiveGenerator() };
}
