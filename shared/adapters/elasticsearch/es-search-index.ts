import { createHash } from "node:crypto";
import type { Client, estypes } from "@elastic/elasticsearch";
import type { EmbeddedChunk, ScoredChunk } from "../../domain/chunk";
import type { DocumentMetadata } from "../../domain/document";
import type { SearchIndex, SearchRequest } from "../../ports/search-index";
import { logger } from "../../observability/logger";
import { reciprocalRankFusion } from "../../text/fusion";
import { chunkIndexTemplate, stateIndexBody, vectorField, vectorMapping } from "./es-mapping";
import { checkEsVersion, createEsClient } from "./es-client";
import { bm25Body, filterClauses, knnBody } from "./es-query";

// SearchIndex on Elasticsearch (8.4+ and 9.x, free license). Hybrid search is two searches in one
// _msearch (BM25, and kNN with the same filters), fused here by reciprocal rank fusion: ES's own
// RRF retriever needs a paid licence. Versions: chunks are bulk-created once and never rewritten;
// `activate` writes the document's live-version marker, then deletes other versions. ES has no
// multi-document transactions, so the marker is the atomic switch: search drops any hit whose
// version is not the marker's (one realtime mget), and never shows half of a version. Flipping a
// field on the chunks instead would re-index every one of them, vectors included.
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
  chunkId: string;
  documentKey: string;
  version: string;
  ordinal: number;
  text: string;
  sectionPath: string[];
  page?: number;
  pageEnd?: number;
  kind: "text" | "table";
  department?: string;
  date?: string;
  tags?: string[];
  tenant?: string;
  acl?: string[];
  metadata: DocumentMetadata;
  embeddingModel: string;
  vectorB64?: string;
  [vectorField: `vector_${number}`]: number[];
}

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
const docId = (c: EmbeddedChunk) => sha1(`${c.documentKey}\n${c.version}\n${c.id}\n${c.embeddingModel}`);
const markerId = (documentKey: string) => `live:${sha1(documentKey)}`;
const SERVING_ID = "serving-model";
const RETRYABLE = new Set([429, 502, 503, 504]);
/** Composite-aggregation page of the coverage count (document × version buckets). */
const COVERAGE_PAGE = 1000;

export class BulkIndexError extends Error {
  constructor(readonly failures: { id: string; status: number; type?: string; reason?: string }[]) {
    super(
      `Elasticsearch refused ${failures.length} chunk(s): ${failures
        .slice(0, 3)
        .map((f) => `${f.status} ${f.type}: ${f.reason}`)
        .join("; ")}`,
    );
    this.name = "BulkIndexError";
  }
}

/** A by-query request that did not do all it was asked (failures, or conflicts left behind). */
export class ByQueryError extends Error {
  constructor(what: string, r: estypes.DeleteByQueryResponse) {
    const causes = (r.failures ?? []).slice(0, 3).map((f) => `${f.status} ${f.cause?.type}: ${f.cause?.reason}`);
    super(
      `Elasticsearch ${what}: ${r.failures?.length ?? 0} failure(s), ${r.version_conflicts ?? 0} version conflict(s)${r.timed_out ? ", timed out" : ""}${causes.length ? `: ${causes.join("; ")}` : ""}`,
    );
    this.name = "ByQueryError";
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
    this.client = opts.client ?? createEsClient({ node: opts.node ?? "http://localhost:9200", auth: opts.auth });
    this.index = opts.index ?? "ragline-chunks";
    this.stateIndex = `${this.index}-state`;
  }

  /**
   * The server's version (refused outside the supported range), index template, chunk index and
   * state index; once per process, safe when several start at once.
   */
  ensureIndex(): Promise<void> {
    this.ready ??= (async () => {
      await this.checkVersion();
      await this.client.indices.putIndexTemplate(chunkIndexTemplate(this.index, this.opts));
      for (const body of [{ index: this.index }, stateIndexBody(this.stateIndex, this.opts)]) {
        if (await this.client.indices.exists({ index: body.index })) continue;
        try {
          await this.client.indices.create(body);
        } catch (e) {
          if (!/resource_already_exists_exception/.test(String((e as { message?: string }).message))) throw e;
        }
      }
    })().catch((e) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  /** GET / needs the `monitor` cluster privilege: a key without it is let through, with a warning. */
  private async checkVersion(): Promise<void> {
    const info = await this.client.info().catch((e: { statusCode?: number }) => {
      if (e?.statusCode !== 401 && e?.statusCode !== 403) throw e;
      logger.warn("Elasticsearch version not checked: the credentials lack the monitor privilege", { status: e.statusCode });
      return undefined;
    });
    if (info) checkEsVersion(info.version.number);
  }

  /** Maps `vector_<dims>` the first time vectors of that size arrive (adding a field is allowed on a live index). */
  private ensureVectorField(dims: number): Promise<void> {
    let p = this.vectorFields.get(dims);
    if (!p) {
      p = this.client.indices.putMapping(vectorMapping(this.index, dims)).then(() => {
        this.mapped.set(dims, true);
      });
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
    let pending = chunks;
    for (let attempt = 0; pending.length; attempt++) {
      // op_type create: a redelivered batch finds its chunks there (409) and that is success.
      const res = await this.client.bulk<ChunkDoc>({
        refresh: "wait_for",
        operations: pending.flatMap((c) => [{ create: { _index: this.index, _id: docId(c) } }, toDoc(c)]),
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

  /**
   * The marker write is the switch (seen at once by the realtime mget of every search); nothing is
   * refreshed: the other versions' chunks are hidden by the marker until the next periodic refresh
   * drops them. A delete that failed or left conflicts behind throws, so the message is retried
   * (activation is idempotent).
   */
  async activate(documentKey: string, version: string): Promise<void> {
    await this.ensureIndex();
    await this.client.index({
      index: this.stateIndex,
      id: markerId(documentKey),
      document: { kind: "live", documentKey, version, at: new Date().toISOString() },
    });
    await this.deleteChunks(`activate ${documentKey}@${version}: deleting other versions`, {
      bool: { filter: [{ term: { documentKey } }], must_not: [{ term: { version } }] },
    });
  }

  /**
   * Delete-by-query that checks what it did. Conflicts (a chunk written while the delete ran) are
   * retried, since `conflicts: proceed` would otherwise leave such chunks behind silently.
   */
  private async deleteChunks(what: string, query: estypes.QueryDslQueryContainer, refresh = false): Promise<number> {
    let deleted = 0;
    for (let attempt = 0; ; attempt++) {
      const r = await this.client.deleteByQuery({ index: this.index, conflicts: "proceed", query, ...(refresh ? { refresh } : {}) });
      deleted += r.deleted ?? 0;
      if (r.failures?.length || r.timed_out) throw new ByQueryError(what, r);
      if (!r.version_conflicts) return deleted;
      if (attempt >= 2) throw new ByQueryError(what, r);
    }
  }

  /** Exact: `stage` bulk-writes with refresh=wait_for, so what was staged is counted. */
  async countChunks(documentKey: string, version: string, embeddingModel: string): Promise<number> {
    await this.ensureIndex();
    const r = await this.client.count({
      index: this.index,
      query: { bool: { filter: [{ term: { documentKey } }, { term: { version } }, { term: { embeddingModel } }] } },
    });
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
    // Once per rollout, so a refresh is affordable: the index then holds the new model only.
    await this.deleteChunks(`switch to ${model}: deleting other models' vectors`, { bool: { must_not: [{ term: { embeddingModel: model } }] } }, true);
  }

  /**
   * Live chunks, and how many have a `model` copy, exact and without scripts: one composite
   * aggregation over (document, version) buckets counts each bucket's serving-model and `model`
   * copies; a bucket counts when its version is the document's marker. A live version holds every
   * chunk in the serving model (activation waits for them), so serving copies = live chunks.
   */
  async modelCoverage(model: string): Promise<{ chunks: number; covered: number }> {
    await this.ensureIndex();
    const serving = (await this.servingModel()) ?? model;
    let chunks = 0;
    let covered = 0;
    let after: estypes.AggregationsCompositeAggregateKey | undefined;
    for (;;) {
      const r = await this.client.search<unknown, { versions: estypes.AggregationsCompositeAggregate }>(coverageRequest(this.index, serving, model, after));
      const page = r.aggregations?.versions;
      const buckets = Array.isArray(page?.buckets) ? page.buckets.map(coverageBucket) : [];
      const live = await this.liveVersions([...new Set(buckets.map((b) => String(b.key.documentKey)))]);
      for (const b of buckets) {
        if (live.get(String(b.key.documentKey)) !== String(b.key.version)) continue;
        chunks += b.serving.doc_count;
        covered += b.target.doc_count;
      }
      if (buckets.length < COVERAGE_PAGE || !page?.after_key) return { chunks, covered: Math.min(chunks, covered) };
      after = page.after_key;
    }
  }

  /** The marker goes first: from then on no chunk of the document is shown, whatever the delete's progress. */
  async removeDocument(documentKey: string): Promise<void> {
    await this.ensureIndex();
    await this.client.delete({ index: this.stateIndex, id: markerId(documentKey) }, { ignore: [404] });
    await this.removeVersion(documentKey);
  }

  /** Deletes one version's chunks, or all of the document's when no version is given. */
  async removeVersion(documentKey: string, version?: string): Promise<void> {
    await this.deleteChunks(`remove ${documentKey}${version ? `@${version}` : ""}`, {
      bool: { filter: [{ term: { documentKey } }, ...(version ? [{ term: { version } }] : [])] },
    });
  }

  async vectorsFor(chunkIds: string[], embeddingModel: string): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    if (!chunkIds.length) return out;
    await this.ensureIndex();
    const r = await this.client.search<ChunkDoc>({
      index: this.index,
      size: Math.min(10_000, chunkIds.length * 2),
      _source: ["chunkId", "vectorB64"],
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
        index: this.index,
        size: 1000,
        sort: [{ ordinal: "asc" }, { chunkId: "asc" }],
        search_after: after,
        _source: { excludes: ["vector_*"] },
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
    const filter = filterClauses(req.filters, req.access);
    const searches: estypes.MsearchRequestItem[] = [];
    const hasText = /[\p{L}\p{N}]/u.test(req.text);
    if (hasText) searches.push({ index: this.index }, bm25Body(req.text, filter, depth, req.embeddingModel));
    const knn = !!req.vector && (await this.hasVectorField(req.vector.length));
    if (knn) searches.push({ index: this.index }, knnBody(req.vector!, filter, depth, req.embeddingModel));
    if (!searches.length) return [];
    const res = await this.client.msearch<ChunkDoc>({ searches });
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
      [
        { items: bm25.filter(isLive), weight: req.fusion?.bm25Weight ?? 1 },
        { items: vec.filter(isLive), weight: req.fusion?.vectorWeight ?? 1 },
      ],
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

const coverageBucket = (b: estypes.AggregationsCompositeBucket) => ({
  key: b.key,
  serving: b.serving as estypes.AggregationsFilterAggregate,
  target: b.target as estypes.AggregationsFilterAggregate,
});

/** One page of (document, version) buckets with their serving-model and target-model copy counts. */
export function coverageRequest(index: string, serving: string, target: string, after?: estypes.AggregationsCompositeAggregateKey): estypes.SearchRequest {
  return {
    index,
    size: 0,
    query: { bool: { filter: [{ terms: { embeddingModel: [...new Set([serving, target])] } }] } },
    aggs: {
      versions: {
        composite: {
          size: COVERAGE_PAGE,
          sources: [{ documentKey: { terms: { field: "documentKey" } } }, { version: { terms: { field: "version" } } }],
          ...(after ? { after } : {}),
        },
        aggs: { serving: { filter: { term: { embeddingModel: serving } } }, target: { filter: { term: { embeddingModel: target } } } },
      },
    },
  };
}

function toDoc(c: EmbeddedChunk): ChunkDoc {
  const m = c.metadata ?? {};
  const doc: ChunkDoc = {
    chunkId: c.id,
    documentKey: c.documentKey,
    version: c.version,
    ordinal: c.ordinal,
    text: c.text,
    sectionPath: c.sectionPath,
    page: c.page,
    pageEnd: c.pageEnd,
    kind: c.kind,
    department: m.department,
    date: m.date,
    tags: m.tags?.length ? m.tags : undefined,
    tenant: m.tenant || undefined,
    acl: m.acl?.length ? m.acl : undefined,
    metadata: m,
    embeddingModel: c.embeddingModel,
    vectorB64: encodeVector(c.vector),
  };
  doc[vectorField(c.vector.length) as `vector_${number}`] = Array.from(c.vector);
  return doc;
}

function fromDoc(d: ChunkDoc): EmbeddedChunk {
  return {
    id: d.chunkId,
    documentKey: d.documentKey,
    version: d.version,
    ordinal: d.ordinal,
    text: d.text,
    sectionPath: d.sectionPath ?? [],
    page: d.page ?? undefined,
    pageEnd: d.pageEnd ?? undefined,
    kind: d.kind,
    metadata: d.metadata ?? {},
    embeddingModel: d.embeddingModel,
    vector: d.vectorB64 ? decodeVector(d.vectorB64) : new Float32Array(0),
  };
}

const encodeVector = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
const decodeVector = (b64: string) => {
  const b = Buffer.from(b64, "base64");
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
