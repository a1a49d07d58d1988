// The chunk index's template: analysed text for BM25 (stemmed, accent-folded), keyword fields for
// filters and ACL, the chunk's full metadata kept but not indexed. One document per chunk and
// embedding model. A dense_vector's dimensions are fixed once mapped, so each dimension count gets
// its own field (`vector_384`, `vector_1024`), added when first needed: a rollout to a model of
// another size needs no new index. `dynamic: strict`: an unknown field is an error, not a mapping.
// No chunk field says "live": a document is switched by its marker in the state index, so a chunk is
// written once and never rewritten (an update would re-index its vectors). The bodies are typed with
// the client's `estypes`, generated from Elasticsearch's own request specification.

import type { estypes } from "@elastic/elasticsearch";

export interface ChunkIndexSettings {
  shards?: number;
  replicas?: number;
}

export const vectorField = (dims: number) => `vector_${dims}`;

export const vectorMapping = (index: string, dims: number): estypes.IndicesPutMappingRequest => ({
  index,
  properties: { [vectorField(dims)]: { type: "dense_vector", dims, index: true, similarity: "cosine" } },
});

export function chunkIndexTemplate(index: string, s: ChunkIndexSettings): estypes.IndicesPutIndexTemplateRequest {
  return {
    name: index,
    // Exactly this index (a wildcard would also catch the "<index>-live" markers).
    index_patterns: [index],
    priority: 200,
    _meta: { managed_by: "ragline" },
    template: {
      settings: {
        number_of_shards: s.shards ?? 1,
        number_of_replicas: s.replicas ?? 1,
        analysis: {
          analyzer: {
            ragline_text: { type: "custom", tokenizer: "standard", filter: ["lowercase", "asciifolding", "porter_stem"] },
          },
        },
      },
      mappings: {
        dynamic: "strict",
        properties: {
          chunkId: { type: "keyword" },
          documentKey: { type: "keyword" },
          version: { type: "keyword" },
          ordinal: { type: "integer" },
          text: { type: "text", analyzer: "ragline_text" },
          sectionPath: { type: "text", analyzer: "ragline_text", fields: { raw: { type: "keyword" } } },
          page: { type: "integer" },
          pageEnd: { type: "integer" },
          kind: { type: "keyword" },
          department: { type: "keyword" },
          /** ISO dates compared as strings, as the embedded index does (partial dates like "2023" work). */
          date: { type: "keyword" },
          tags: { type: "keyword" },
          /** Absent = the default tenant. */
          tenant: { type: "keyword" },
          /** Absent = readable by everyone in the tenant. */
          acl: { type: "keyword" },
          metadata: { type: "object", enabled: false },
          embeddingModel: { type: "keyword" },
          /** The vector again, base64 float32: ES 9.2+ leaves dense vectors out of _source. */
          vectorB64: { type: "binary" },
        },
      },
    },
  };
}

/**
 * The switches, one small document each, read in real time: per document key, which version is
 * live (the atomic step of `activate`); and which embedding model serves queries.
 */
export function stateIndexBody(index: string, s: ChunkIndexSettings): estypes.IndicesCreateRequest {
  return {
    index,
    settings: { number_of_shards: 1, number_of_replicas: s.replicas ?? 1 },
    mappings: {
      dynamic: "strict",
      properties: {
        kind: { type: "keyword" },
        documentKey: { type: "keyword" },
        version: { type: "keyword" },
        model: { type: "keyword" },
        at: { type: "date" },
      },
    },
  };
}
