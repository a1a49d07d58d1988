import { createHash } from "node:crypto";
import { Client } from "@elastic/elasticsearch";
import type { EmbeddedChunk, ScoredChunk } from "../../domain/chunk";
import type { DocumentMetadata } from "../../domain/document";
import type { SearchIndex, SearchRequest } from "../../ports/search-index";
import { reciprocalRankFusion } from "../../query/fusion";
import { chunkIndexTemplate, stateIndexBody, vectorField, vectorMapping } from "./es-mapping";
import { bm25Body, filterClauses, knnBody } from "./es-query";

// SearchIndex on Elasticsearch (8.x/9.x, free license). Hybrid search is two searches in one
// _msearch (BM25, and kNN with the same filters), fused here by reciprocal rank fusion: ES's own
// RRF retriever needs a paid licence. Versions: chunks are bulk-created with live=false, and
// `activate` flips them, writes the document's live-version marker, then deletes other versions.
// ES has no multi-document transactions, so the marker is the atomic switch: search drops any hit
// whose version is not the marker's (one realtime mget), and never shows half of a version.
// The serving embedding model is a marker too; switching it deletes other models' copies.

export interface EsSearchIndexOptions {
  client?: Client;
  /** Used only when no client is given. */
  node?: string;
  auth?: { apiKey: string } | { username: string; password: string };
  index?: string;
  shards?: number;
  replicas?: number;
}

interface ChunkDoc {
  chunkId: string; documentKey: string; version: string; live: boolean; ordinal: number; text: string; sectionPath: string[];
  page?: number; pageEnd?: number; kind: "text" | "table"; department?: string; date?: string; tags?: string[]; acl?: string[];
  metadata: DocumentMetadata; embeddingModel: string; vectorB64?: string; [vectorField: `vector_${number}`]: number[];
}

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
const docId = (c: EmbeddedChunk) => sha1(`${c.documentKey}\n${c.version}\n${c.id}\n${c.embeddingModel}`);
const markerId = (documentKey: string) => `live:${sha1(documentKey)}`;
const SERVING_ID = "serving-model";
const RETRYABLE = new Set([429, 502, 503, 504]);

export class BulkIndexError extends Error {
  constructor(readonly failures: { id: string; status: number; type?: string; reason?: string }[]) {
    super(`Elasticsearch refused ${failures.length} chunk(s): ${failures.slice(0, 3).map((f) => `${f.status} ${f.type}: ${f.reason}`).join("; ")}`);
    this.name = "BulkIndexError";
  }
}

export class EsSearchIndex implements SearchIndex {
  readonly name = "elasticsearch";
  readonly client: Client;
  readonly index: string;
  readonly stateIndex: string;
  private ready?: Promise<void>;
  private readonly vectorFields = new Map<number, Promise<void>>();
  /** Vector fields seen in the mapping (by any process); a miss is asked again after a while. */
  private readonly mapped = new Map<number, boolean | number>();

  constructor(private readonly opts: EsSearchIndexOptions = {}) {
    this.client = opts.client ?? new Client({ node: opts.node ?? "http://localhost:9200", auth: opts.auth });
    this.index = opts.index ?? "ragline-chunks";
    this.stateIndex = `${this.index}-state`;
  }

  /** Index template, chunk index and state index; once per process, safe when several start at once. */
  ensureIndex(): Promise<void> {
    this.ready ??= (async () => {
      await this.client.indices.putIndexTemplate(chunkIndexTemplate(this.index, this.opts) as never);
      for (const [index, body] of [[this.index, {}], [this.stateIndex, stateIndexBody(this.opts)]] as const) {
        if (await this.client.indices.exists({ index })) continue;
        try {
          await this.client.indices.create({ index, ...body } as never);
        } catch (e) {
          if (!/resource_already_exists_exception/.test(String((e as { message?: string }).message))) throw e;
        }
      }
    })().catch((e) => { this.ready = undefined; throw e; });
    return this.ready;
  }

  /** Maps `vector_<dims>` the first time vectors of that size arrive (adding a field is allowed on a live index). */
  private ensureVectorField(dims: number): Promise<void> {
    let p = this.vectorFields.get(dims);
    if (!p) {
      p = this.client.indices.putMapping({ index: this.index, ...vectorMapping(dims) } as never).then(() => { this.mapped.set(dims, true); });
      p.catch(() => this.vectorFields.delete(dims));
      this.vectorFields.set(dims, p);
    }
    return p;
  }

  /** kNN on a field no document has mapped yet is an error in ES: such a search has no vector side. */
  private async hasVectorField(dims: number): Promise<boolean> {
    const known = this.mapped.get(dims);
    if (known === true) return true;
    if (typeof known === "number" && Date.now() - known < 5000) return false;
    const r = await this.client.indices.getFieldMapping({ index: this.index, fields: vectorField(dims) });
    const found = Object.values(r).some((m) => Object.keys((m as { mappings?: object }).mappings ?? {}).length > 0);
    this.mapped.set(dims, found || Date.now());
    return found;
  }

  async stage(chunks: EmbeddedChunk[]): Promise<void> {
    if (!chunks.length) return;
    await this.ensureIndex();
    for (const dims of new Set(chunks.map((c) => c.vector.length))) await this.ensureVectorField(dims);
    const live = await this.liveVersions([...new Set(chunks.map((c) => c.documentKey))]);
    let pending = chunks;
    for (let attempt = 0; pending.length; attempt++) {
      // op_type create: a redelivered batch finds its chunks there (409) and that is success.
      const res = await this.client.bulk({
        refresh: "wait_for",
        operations: pending.flatMap((c) => [{ create: { _index: this.index, _id: docId(c) } }, toDoc(c, live.get(c.documentKey) === c.version)]),
      });
      if (!res.errors) return;
      const retry: EmbeddedChunk[] = [];
      const failures: BulkIndexError["failures"] = [];
      res.items.forEach((item, i) => {
        const r = item.create!;
        if (!r.error || r.status === 409) return;
        if (RETRYABLE.has(r.status) && attempt < 3) retry.push(pending[i]);
        else failures.push({ id: String(r._id), status: r.status, type: r.error.type, reason: r.error.reason ?? undefined });
      });
      if (failures.length) throw new BulkIndexError(failures);
      pending = retry;
      if (pending.length) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }

  async activate(documentKey: string, version: string): Promise<void> {
    await this.ensureIndex();
    await this.client.updateByQuery({
      index: this.index, refresh: true, conflicts: "proceed",
      query: { bool: { filter: [{ term: { documentKey } }, { term: { version } }, { term: { live: false } }] } },
      script: { source: "ctx._source.live = true", lang: "painless" },
    });
    await this.client.index({ index: this.stateIndex, id: markerId(documentKey), document: { kind: "live", documentKey, version, at: new Date().toISOString() } });
    await this.client.deleteByQuery({
      index: this.index, refresh: true, conflicts: "proceed",
      query: { bool: { filter: [{ term: { documentKey } }], must_not: [{ term: { version } }] } },
    });
  }

  /** Exact: `stage` bulk-writes with refresh=wait_for, so what was staged is counted. */
  async countChunks(documentKey: string, version: string, embeddingModel: string): Promise<number> {
    await this.ensureIndex();
    const r = await this.client.count({ index: this.index, query: { bool: { filter: [{ term: { documentKey } }, { term: { version } }, { term: { embeddingModel } }] } } });
    return r.count;
  }

  async servingModel(): Promise<string | undefined> {
    await this.ensureIndex();
    const r = await this.client.get<{ model: string }>({ index: this.stateIndex, id: SERVING_ID }, { ignore: [404] });
    return r.found ? r._source?.model : undefined;
  }

  /** The marker switches queries at once; the other models' copies are deleted after. */
  async switchServingModel(model: string): Promise<void> {
    await this.ensureIndex();
    await this.client.index({ index: this.stateIndex, id: SERVING_ID, document: { kind: "serving", model, at: new Date().toISOString() } });
    await this.client.deleteByQuery({
      index: this.index, refresh: true, conflicts: "proceed",
      query: { bool: { must_not: [{ term: { embeddingModel: model } }] } },
    });
  }

  /**
   * Live chunks (distinct document key + chunk id, a cardinality aggregation: exact up to 40,000,
   * approximate within a few percent above) and how many have a `model` copy (an exact count).
   */
  async modelCoverage(model: string): Promise<{ chunks: number; covered: number }> {
    await this.ensureIndex();
    const [all, covered] = await Promise.all([
      this.client.search({
        index: this.index, size: 0, query: { bool: { filter: [{ term: { live: true } }] } },
        aggs: { chunks: { cardinality: { script: { source: "doc['documentKey'].value + '\\u0000' + doc['chunkId'].value", lang: "painless" }, precision_threshold: 40_000 } } },
      }),
      this.client.count({ index: this.index, query: { bool: { filter: [{ term: { live: true } }, { term: { embeddingModel: model } }] } } }),
    ]);
    const chunks = (all.aggregations?.chunks as { value?: number } | undefined)?.value ?? 0;
    return { chunks, covered: Math.min(chunks, covered.count) };
  }

  /** The marker goes first: from then on no chunk of the document is shown, whatever the delete's progress. */
  async removeDocument(documentKey: string): Promise<void> {
    await this.ensureIndex();
    await this.client.delete({ index: this.stateIndex, id: markerId(documentKey) }, { ignore: [404] });
    await this.removeVersion(documentKey);
  }

  /** Deletes one version's chunks, or all of the document's when no version is given. */
  async removeVersion(documentKey: string, version?: string): Promise<void> {
    await this.client.deleteByQuery({
      index: this.index, refresh: true, conflicts: "proceed",
      query: { bool: { filter: [{ term: { documentKey } }, ...(version ? [{ term: { version } }] : [])] } },
    });
  }

  async vectorsFor(chunkIds: string[], embeddingModel: string): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    if (!chunkIds.length) return out;
    await this.ensureIndex();
    const r = await this.client.search<ChunkDoc>({
      index: this.index, size: Math.min(10_000, chunkIds.length * 2), _source: ["chunkId", "vectorB64"],
      query: { bool: { filter: [{ terms: { chunkId: chunkIds } }, { term: { embeddingModel } }] } },
    });
    for (const h of r.hits.hits) if (h._source?.vectorB64) out.set(h._source.chunkId, decodeVector(h._source.vectorB64));
    return out;
  }

  /** Live chunks in order, with the serving model's vectors. */
  async chunksOf(documentKey: string): Promise<EmbeddedChunk[]> {
    await this.ensureIndex();
    const [version, serving] = await Promise.all([this.liveVersions([documentKey]).then((m) => m.get(documentKey)), this.servingModel()]);
    if (!version || !serving) return [];
    const out: EmbeddedChunk[] = [];
    let after: (string | number)[] | undefined;
    for (;;) {
      const r = await this.client.search<ChunkDoc>({
        index: this.index, size: 1000, sort: [{ ordinal: "asc" }, { chunkId: "asc" }], search_after: after, _source: { excludes: ["vector_*"] },
        query: { bool: { filter: [{ term: { documentKey } }, { term: { version } }, { term: { embeddingModel: serving } }] } },
      });
      const hits = r.hits.hits;
      for (const h of hits) out.push(fromDoc(h._source!));
      if (hits.length < 1000) return out;
      after = hits.at(-1)!.sort as (string | number)[];
    }
  }

  async search(req: SearchRequest): Promise<ScoredChunk[]> {
    await this.ensureIndex();
    const depth = Math.max(req.topK * 5, 50);
    const filter = filterClauses(req.filters, req.groups);
    const searches: object[] = [];
    const hasText = /[\p{L}\p{N}]/u.test(req.text);
    if (hasText) searches.push({ index: this.index }, bm25Body(req.text, filter, depth, req.embeddingModel));
    const knn = !!req.vector && (await this.hasVectorField(req.vector.length));
    if (knn) searches.push({ index: this.index }, knnBody(req.vector!, filter, depth, req.embeddingModel));
    if (!searches.length) return [];
    const res = await this.client.msearch<ChunkDoc>({ searches: searches as never });
    const lists = res.responses.map((r) => {
      if ("error" in r) throw new Error(`Elasticsearch search failed: ${r.error.type}: ${r.error.reason}`);
      return r.hits.hits.filter((h) => h._source).map((h) => h._source!);
    });
    const bm25 = hasText ? lists[0] : [];
    const vec = knn ? lists[hasText ? 1 : 0] : [];
    // The atomic switch: only hits of each document's live version count.
    const live = await this.liveVersions([...new Set([...bm25, ...vec].map((d) => d.documentKey))]);
    const isLive = (d: ChunkDoc) => live.get(d.documentKey) === d.version;
    const fused = reciprocalRankFusion(
      [{ items: bm25.filter(isLive), weight: req.fusion?.bm25Weight ?? 1 }, { items: vec.filter(isLive), weight: req.fusion?.vectorWeight ?? 1 }],
      (d) => `${d.documentKey}\n${d.chunkId}`,
      req.fusion?.k ?? 60,
    ).slice(0, req.topK);
    return fused.map((f) => {
      const { vector: _v, embeddingModel: _m, ...chunk } = fromDoc(f.item);
      return { ...chunk, score: f.score, bm25Rank: f.ranks[0] || undefined, vectorRank: f.ranks[1] || undefined };
    });
  }

  /** Realtime (get, not search): a marker written a moment ago is seen. */
  private async liveVersions(keys: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!keys.length) return out;
    const r = await this.client.mget<{ documentKey: string; version: string }>({ index: this.stateIndex, ids: keys.map(markerId) });
    for (const d of r.docs) if ("found" in d && d.found && d._source) out.set(d._source.documentKey, d._source.version);
    return out;
  }
}

function toDoc(c: EmbeddedChunk, live: boolean): ChunkDoc {
  const m = c.metadata ?? {};
  const doc: ChunkDoc = {
    chunkId: c.id, documentKey: c.documentKey, version: c.version, live, ordinal: c.ordinal, text: c.text, sectionPath: c.sectionPath,
    page: c.page, pageEnd: c.pageEnd, kind: c.kind,
    department: m.department, date: m.date, tags: m.tags?.length ? m.tags : undefined, acl: m.acl?.length ? m.acl : undefined,
    metadata: m, embeddingModel: c.embeddingModel, vectorB64: encodeVector(c.vector),
  };
  doc[vectorField(c.vector.length) as `vector_${number}`] = Array.from(c.vector);
  return doc;
}

function fromDoc(d: ChunkDoc): EmbeddedChunk {
  return {
    id: d.chunkId, documentKey: d.documentKey, version: d.version, ordinal: d.ordinal, text: d.text, sectionPath: d.sectionPath ?? [],
    page: d.page ?? undefined, pageEnd: d.pageEnd ?? undefined, kind: d.kind, metadata: d.metadata ?? {},
    embeddingModel: d.embeddingModel, vector: d.vectorB64 ? decodeVector(d.vectorB64) : new Float32Array(0),
  };
}

const encodeVector = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
const decodeVector = (b64: string) => { const b = Buffer.from(b64, "base64"); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
