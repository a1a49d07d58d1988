import { DEFAULT_TENANT, type ReadAccess } from "../../domain/access";
import type { estypes } from "@elastic/elasticsearch";
import type { QueryFilters } from "../../domain/job";
import { vectorField } from "./es-mapping";

// Request filters as Elasticsearch query clauses, the same rules as the embedded index
// (shared/adapters/embedded/filters.ts): key prefix, department, all tags, date range, and ACL
// (no ACL = everyone; otherwise one shared group).

export type Clause = estypes.QueryDslQueryContainer;

export function filterClauses(filters: QueryFilters = {}, access?: ReadAccess): Clause[] {
  // No "live" clause: chunks of versions that are not live are dropped by their document's marker (es-search-index).
  const out: Clause[] = [];
  if (filters.keyPrefix) out.push({ prefix: { documentKey: filters.keyPrefix } });
  if (filters.department) out.push({ term: { department: filters.department } });
  for (const t of filters.tags ?? []) out.push({ term: { tags: t } });
  if (filters.dateFrom || filters.dateTo)
    out.push({ range: { date: { ...(filters.dateFrom ? { gte: filters.dateFrom } : {}), ...(filters.dateTo ? { lte: filters.dateTo } : {}) } } });
  if (access) {
    // The tenant (a chunk without one belongs to the default tenant), then the ACL.
    const tenant =
      access.tenant === DEFAULT_TENANT
        ? { bool: { should: [{ term: { tenant: DEFAULT_TENANT } }, { bool: { must_not: [{ exists: { field: "tenant" } }] } }], minimum_should_match: 1 } }
        : { term: { tenant: access.tenant } };
    out.push(tenant);
    out.push({ bool: { should: [{ bool: { must_not: [{ exists: { field: "acl" } }] } }, { terms: { acl: access.readers } }], minimum_should_match: 1 } });
  }
  return out;
}

const NO_VECTORS: estypes.SearchSourceConfig = { excludes: ["vector_*", "vectorB64"] };

/**
 * BM25 over the text and its headings; any word may match, as the embedded FTS5 query. There is a
 * document per chunk and model: with a model given, only that model's copies are ranked.
 */
export function bm25Body(text: string, filter: Clause[], size: number, embeddingModel?: string): estypes.SearchSearchRequestBody {
  return {
    size,
    _source: NO_VECTORS,
    query: {
      bool: {
        must: [{ multi_match: { query: text, fields: ["text", "sectionPath"], operator: "or" } }],
        filter: embeddingModel ? [...filter, { term: { embeddingModel } }] : filter,
      },
    },
  };
}

/** Approximate kNN with the filters applied inside the search (pre-filtering, so k hits survive). */
export function knnBody(vector: Float32Array, filter: Clause[], k: number, embeddingModel?: string): estypes.SearchSearchRequestBody {
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
