import type { QueryFilters } from "../../domain/job";
import { vectorField } from "./es-mapping";

// Request filters as Elasticsearch query clauses, the same rules as the embedded index
// (shared/adapters/embedded/filters.ts): key prefix, department, all tags, date range, and ACL
// (no ACL = everyone; otherwise one shared group).

export type Clause = Record<string, unknown>;

export function filterClauses(filters: QueryFilters = {}, groups?: string[]): Clause[] {
  const out: Clause[] = [{ term: { live: true } }];
  if (filters.keyPrefix) out.push({ prefix: { documentKey: filters.keyPrefix } });
  if (filters.department) out.push({ term: { department: filters.department } });
  for (const t of filters.tags ?? []) out.push({ term: { tags: t } });
  if (filters.dateFrom || filters.dateTo) out.push({ range: { date: { ...(filters.dateFrom ? { gte: filters.dateFrom } : {}), ...(filters.dateTo ? { lte: filters.dateTo } : {}) } } });
  if (groups) {
    out.push({ bool: { should: [{ bool: { must_not: [{ exists: { field: "acl" } }] } }, { terms: { acl: groups } }], minimum_should_match: 1 } });
  }
  return out;
}

const NO_VECTORS = { excludes: ["vector_*", "vectorB64"] };

/**
 * BM25 over the text and its headings; any word may match, as the embedded FTS5 query. There is a
 * document per chunk and model: with a model given, only that model's copies are ranked.
 */
export function bm25Body(text: string, filter: Clause[], size: number, embeddingModel?: string) {
  return {
    size,
    _source: NO_VECTORS,
    query: { bool: { must: [{ multi_match: { query: text, fields: ["text", "sectionPath"], operator: "or" } }], filter: embeddingModel ? [...filter, { term: { embeddingModel } }] : filter } },
  };
}

/** Approximate kNN with the filters applied inside the search (pre-filtering, so k hits survive). */
export function knnBody(vector: Float32Array, filter: Clause[], k: number, embeddingModel?: string) {
  return {
    size: k,
    _source: NO_VECTORS,
    knn: {
      field: vectorField(vector.length),
      query_vector: Array.from(vector),
      k,
      num_candidates: Math.min(10_000, Math.max(100, k * 4)),
      filter: embeddingModel ? [...filter, { term: { embeddingModel } }] : filter,
    },
  };
}
