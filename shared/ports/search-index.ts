import type { EmbeddedChunk, ScoredChunk } from "../domain/chunk";
import type { ReadAccess } from "../domain/access";
import type { QueryFilters } from "../domain/job";

export interface SearchRequest {
  text: string;
  vector?: Float32Array;
  topK: number;
  filters?: QueryFilters;
  /**
   * Who asks: only chunks of this tenant whose ACL admits one of the readers are returned, and the
   * condition is part of the index query (never a filter after retrieval). Absent only for internal,
   * unrestricted callers (evals of a whole index, maintenance); every request path sets it.
   */
  access?: ReadAccess;
  /** Only vectors of this model are compared (the query vector's model). */
  embeddingModel?: string;
  /** Reciprocal rank fusion weights and constant. */
  fusion?: { bm25Weight?: number; vectorWeight?: number; k?: number };
}

export interface SearchIndex {
  readonly name: string;
  /**
   * Stage chunks of a document version. Staged chunks are invisible to search until `activate`,
   * so a query never sees half of a new version.
   */
  stage(chunks: EmbeddedChunk[]): Promise<void>;
  /** Make `version` the live version of the document and drop every other version's chunks, atomically. */
  activate(documentKey: string, version: string): Promise<void>;
  /**
   * Number of staged or live chunks of one version with a vector of `embeddingModel` (used to know
   * when a version is complete).
   */
  countChunks(documentKey: string, version: string, embeddingModel: string): Promise<number>;
  removeDocument(documentKey: string): Promise<void>;
  /** Existing vectors by chunk id for a model: unchanged chunks are never embedded again. */
  vectorsFor(chunkIds: string[], embeddingModel: string): Promise<Map<string, Float32Array>>;
  /** Live chunks of a document, in order, with their vectors of the serving model. */
  chunksOf(documentKey: string): Promise<EmbeddedChunk[]>;
  search(req: SearchRequest): Promise<ScoredChunk[]>;

  // Index generations: a chunk may hold vectors of several embedding models while a new model is
  // rolled out; queries use the serving model's, until the switch.
  /** The embedding model queries are served with; undefined until the first document is indexed. */
  servingModel(): Promise<string | undefined>;
  /** Atomically make `model` the serving model and delete every other model's vectors. */
  switchServingModel(model: string): Promise<void>;
  /** Live chunks, and how many of them have a vector of `model` (rollout progress). */
  modelCoverage(model: string): Promise<{ chunks: number; covered: number }>;
}
