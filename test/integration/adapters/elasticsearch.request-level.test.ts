import { createRequire } from "node:module";
import { Client } from "@elastic/elasticsearch";
import Mock from "@elastic/elasticsearch-mock";
import { createHash } from "node:crypto";
import { checkEsVersion, createEsClient, UnsupportedEsVersionError } from "../../../shared/adapters/elasticsearch/es-client";
import { beforeEach, describe, expect, it } from "vitest";
import type { EmbeddedChunk } from "../../../shared/domain/chunk";
import { BulkIndexError, ByQueryError, EsSearchIndex } from "../../../shared/adapters/elasticsearch/es-search-index";
import { rolloutStatus, rolloutTick } from "../../../shared/ingest/rollout";

// Elasticsearch cannot run on this machine. These tests are REQUEST-LEVEL: the real client sends
// its HTTP requests to @elastic/elasticsearch-mock, which stands in for the Elasticsearch server,
// and each request is checked against the documented REST API (index template, put mapping, bulk
// NDJSON, delete by query, _msearch with BM25 and kNN, composite aggregation, mget, count). Every
// body the adapter builds is also typed with the client's `estypes` (generated from Elastic's
// request specification), so `tsc` refuses a body the specification does not allow. Canned
// responses in the documented shapes exercise the adapter's handling (per-item bulk errors,
// retries, by-query failures and conflicts, RRF fusion, live-version filtering, coverage paging).
// They do not prove relevance or ES's behaviour; only a real cluster does.

// The mock is CommonJS and checks `instanceof` against the CommonJS build's error classes.
const { errors } = createRequire(import.meta.url)("@elastic/elasticsearch") as typeof import("@elastic/elasticsearch");
const failure = (statusCode: number, body: unknown) => new errors.ResponseError({ body, statusCode, headers: {}, warnings: null, meta: {} as never });

interface Req {
  method: string;
  path: string;
  querystring: Record<string, string>;
  body: any;
}
type Route = [method: string, path: RegExp, respond: (r: Req) => unknown];

let log: Req[];
let routes: Route[];
let index: EsSearchIndex;

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
const on = (method: string, path: RegExp, respond: (r: Req) => unknown) => routes.unshift([method, path, respond]);
const sent = (method: string, path: RegExp) => log.filter((r) => r.method === method && path.test(r.path));
const hit = (source: object, id = "x") => ({ _index: "ragline-chunks", _id: id, _score: 1, _source: source });
const hits = (list: object[]) => ({ took: 1, timed_out: false, hits: { total: { value: list.length, relation: "eq" }, hits: list } });

function chunk(over: Partial<EmbeddedChunk> = {}): EmbeddedChunk {
  return {
    id: "c1",
    documentKey: "hr/policy.pdf",
    version: "v2",
    ordinal: 0,
    text: "Parental leave is 16 weeks.",
    sectionPath: ["Leave"],
    page: 3,
    kind: "text",
    metadata: { department: "hr", date: "2024-05-01", tags: ["policy"], acl: ["hr-staff"], title: "Policy" },
    embeddingModel: "m1",
    vector: new Float32Array([0.5, 0.5, 0.5, 0.5]),
    ...over,
  };
}

beforeEach(() => {
  log = [];
  routes = [
    ["GET", /^\/$/, () => ({ name: "n1", cluster_name: "c", version: { number: "9.1.4", build_flavor: "default" }, tagline: "You Know, for Search" })],
    ["HEAD", /^\/ragline-chunks(-state)?$/, () => ""],
    ["PUT", /^\/_index_template\//, () => ({ acknowledged: true })],
    ["PUT", /\/_mapping$/, () => ({ acknowledged: true })],
    ["POST", /^\/ragline-chunks-state\/_mget$/, (r) => ({ docs: r.body.ids.map((id: string) => ({ _index: "ragline-chunks-state", _id: id, found: false })) })],
    [
      "GET",
      /^\/ragline-chunks\/_mapping\/field\//,
      (r) => ({ "ragline-chunks": { mappings: { [r.path.split("/").pop()!]: { full_name: "x", mapping: {} } } } }),
    ],
    ["GET", /^\/ragline-chunks-state\/_doc\/serving-model$/, () => failure(404, { _index: "ragline-chunks-state", _id: "serving-model", found: false })],
  ];
  const mock = new Mock();
  mock.add({ method: ["GET", "POST", "PUT", "DELETE", "HEAD"], path: "*" }, (params) => {
    const p = params as unknown as Req;
    log.push(p);
    const route = routes.find(([m, re]) => m === p.method && re.test(p.path));
    return (route ? route[2](p) : failure(500, { error: `no canned response for ${p.method} ${p.path}` })) as Record<string, unknown>;
  });
  index = new EsSearchIndex({ client: new Client({ node: "http://localhost:9200", Connection: mock.getConnection() }) });
});

describe("Elasticsearch search index, request-level: elasticsearch-mock stands in for the ES server (none runs here)", () => {
  it("puts an index template (strict mapping: analysed text, keyword filters and ACL, binary vector copy) and creates missing indexes", async () => {
    on("HEAD", /^\/ragline-chunks$/, () => failure(404, ""));
    on("PUT", /^\/ragline-chunks$/, () => ({ acknowledged: true, index: "ragline-chunks" }));
    await index.ensureIndex();
    const [tpl] = sent("PUT", /^\/_index_template\/ragline-chunks$/);
    expect(tpl.body.index_patterns).toEqual(["ragline-chunks"]);
    const m = tpl.body.template.mappings;
    expect(m.dynamic).toBe("strict");
    expect(m.properties.text).toEqual({ type: "text", analyzer: "ragline_text" });
    expect(tpl.body.template.settings.analysis.analyzer.ragline_text.filter).toEqual(["lowercase", "asciifolding", "porter_stem"]);
    for (const f of ["documentKey", "version", "department", "tags", "acl", "embeddingModel", "chunkId"]) expect(m.properties[f]).toEqual({ type: "keyword" });
    expect(m.properties.vectorB64).toEqual({ type: "binary" });
    expect(m.properties.metadata).toEqual({ type: "object", enabled: false });
    expect(m.properties.live).toBeUndefined(); // versions are switched by a marker, never by rewriting chunks
    expect(sent("GET", /^\/$/)).toHaveLength(1); // the server's version, checked first
    expect(sent("PUT", /^\/ragline-chunks$/)).toHaveLength(1);
    expect(sent("PUT", /^\/ragline-chunks-state$/)).toHaveLength(0); // it exists
    await index.ensureIndex();
    expect(sent("PUT", /^\/_index_template\//)).toHaveLength(1); // once per process
  });

  it("stage: maps vector_<dims> once, then bulk-creates one document per chunk and model with refresh=wait_for", async () => {
    on("POST", /^\/_bulk$/, (r) => ({
      took: 1,
      errors: false,
      items: r.body.filter((_: unknown, i: number) => i % 2 === 0).map(() => ({ create: { status: 201, _id: "x" } })),
    }));
    await index.stage([chunk(), chunk({ id: "c2", ordinal: 1, metadata: {} }), chunk({ embeddingModel: "m2", vector: new Float32Array(8).fill(0.25) })]);
    expect(sent("PUT", /^\/ragline-chunks\/_mapping$/).map((r) => r.body.properties)).toEqual([
      { vector_4: { type: "dense_vector", dims: 4, index: true, similarity: "cosine" } },
      { vector_8: { type: "dense_vector", dims: 8, index: true, similarity: "cosine" } },
    ]);
    const [bulk] = sent("POST", /^\/_bulk$/);
    expect(bulk.querystring).toEqual({ refresh: "wait_for" });
    expect(bulk.body).toHaveLength(6);
    const [action, doc, , plain, , other] = bulk.body;
    expect(action).toEqual({ create: { _index: "ragline-chunks", _id: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    expect(doc).toMatchObject({
      chunkId: "c1",
      documentKey: "hr/policy.pdf",
      version: "v2",
      department: "hr",
      date: "2024-05-01",
      tags: ["policy"],
      acl: ["hr-staff"],
      embeddingModel: "m1",
      vector_4: [0.5, 0.5, 0.5, 0.5],
      vectorB64: Buffer.from(new Float32Array([0.5, 0.5, 0.5, 0.5]).buffer).toString("base64"),
    });
    expect(plain.acl).toBeUndefined(); // no ACL: the field is absent, which the ACL filter reads as "everyone"
    expect("live" in doc).toBe(false);
    expect(other.vector_8).toHaveLength(8);
    expect(bulk.body[4].create._id).not.toBe(action.create._id); // same chunk, another model: its own document
    await index.stage([chunk({ id: "c3" })]);
    expect(sent("PUT", /\/_mapping$/)).toHaveLength(2); // vector_4 is not mapped twice
  });

  it("stage: a 409 (already staged, redelivery) is success, 429 is retried, a mapping error is thrown with its reason", async () => {
    let call = 0;
    on("POST", /^\/_bulk$/, (r) => {
      call++;
      const n = r.body.length / 2;
      if (call === 1)
        return {
          errors: true,
          items: [
            { create: { status: 409, error: { type: "version_conflict_engine_exception", reason: "exists" } } },
            { create: { status: 429, error: { type: "es_rejected_execution_exception", reason: "queue full" } } },
          ].slice(0, n),
        };
      return { errors: false, items: Array.from({ length: n }, () => ({ create: { status: 201 } })) };
    });
    await index.stage([chunk(), chunk({ id: "c2" })]);
    expect(sent("POST", /^\/_bulk$/).map((r) => r.body.length)).toEqual([4, 2]); // only the 429 item again
    on("POST", /^\/_bulk$/, () => ({
      errors: true,
      items: [
        {
          create: {
            _id: "bad",
            status: 400,
            error: { type: "document_parsing_exception", reason: "The [dense_vector] field [vector_4] in doc has a different number of dimensions" },
          },
        },
      ],
    }));
    await expect(index.stage([chunk()])).rejects.toThrow(BulkIndexError);
    await expect(index.stage([chunk()])).rejects.toThrow(/400 document_parsing_exception: .*different number of dimensions/);
  });

  it("activate (mock ES): writes the marker (the atomic switch), then deletes other versions; no update-by-query, no refresh", async () => {
    on("PUT", /^\/ragline-chunks-state\/_doc\//, () => ({ result: "created" }));
    on("POST", /_delete_by_query$/, () => ({ deleted: 3, version_conflicts: 0, failures: [] }));
    await index.activate("hr/policy.pdf", "v2");
    const order = log
      .filter((r) => !["HEAD", "GET"].includes(r.method) && !r.path.startsWith("/_index_template"))
      .map((r) => `${r.method} ${r.path.replace(/live:[0-9a-f]+/, "live:<sha1>")}`);
    expect(order).toEqual(["PUT /ragline-chunks-state/_doc/live:<sha1>", "POST /ragline-chunks/_delete_by_query"]);
    expect(sent("POST", /_update_by_query$/)).toHaveLength(0); // the chunks (and their vectors) are not re-indexed
    const [marker] = sent("PUT", /^\/ragline-chunks-state\/_doc\//);
    expect(marker.body).toMatchObject({ kind: "live", documentKey: "hr/policy.pdf", version: "v2" });
    expect(marker.querystring).toEqual({}); // no refresh: the realtime mget of every search sees the marker
    // conflicts=proceed travels in the query string for delete_by_query (client 9.x); no refresh per activation.
    expect(sent("POST", /_delete_by_query$/)[0].querystring).toEqual({ conflicts: "proceed" });
    expect(sent("POST", /_delete_by_query$/)[0].body).toEqual({
      query: { bool: { filter: [{ term: { documentKey: "hr/policy.pdf" } }], must_not: [{ term: { version: "v2" } }] } },
    });
  });

  it("activate (mock ES): version conflicts are retried; failures, or conflicts that persist, throw so the message is retried", async () => {
    on("PUT", /^\/ragline-chunks-state\/_doc\//, () => ({ result: "updated" }));
    let calls = 0;
    on("POST", /_delete_by_query$/, () =>
      ++calls === 1 ? { deleted: 2, version_conflicts: 1, failures: [] } : { deleted: 1, version_conflicts: 0, failures: [] },
    );
    await index.activate("k", "v2");
    expect(calls).toBe(2);

    on("POST", /_delete_by_query$/, () => ({
      deleted: 0,
      version_conflicts: 0,
      failures: [{ index: "ragline-chunks", id: "x", status: 429, cause: { type: "es_rejected_execution_exception", reason: "rejected execution" } }],
    }));
    await expect(index.activate("k", "v2")).rejects.toThrow(ByQueryError);
    await expect(index.activate("k", "v2")).rejects.toThrow(/1 failure\(s\).*429 es_rejected_execution_exception: rejected execution/);

    on("POST", /_delete_by_query$/, () => ({ deleted: 0, version_conflicts: 4, failures: [] }));
    const before = sent("POST", /_delete_by_query$/).length;
    await expect(index.activate("k", "v2")).rejects.toThrow(/4 version conflict\(s\)/);
    expect(sent("POST", /_delete_by_query$/).length - before).toBe(3);
  });

  it("modelCoverage (mock ES): a composite aggregation over document x version, no script; only marker versions count; paged by after_key", async () => {
    on("GET", /^\/ragline-chunks-state\/_doc\/serving-model$/, () => ({ _id: "serving-model", found: true, _source: { model: "old" } }));
    const keys = Object.fromEntries(["a", "b", "c"].map((k) => [`live:${sha1(k)}`, k]));
    on("POST", /^\/ragline-chunks-state\/_mget$/, (r) => ({
      docs: r.body.ids.map((id: string) =>
        keys[id] ? { _id: id, found: true, _source: { documentKey: keys[id], version: "v2" } } : { _id: id, found: false },
      ),
    }));
    const bucket = (documentKey: string, version: string, serving: number, target: number) => ({
      key: { documentKey, version },
      doc_count: serving + target,
      serving: { doc_count: serving },
      target: { doc_count: target },
    });
    let page = 0;
    on("POST", /^\/ragline-chunks\/_search$/, () => {
      page++;
      // Page 1 is full (1000 buckets: "a"@v2 and 999 versions never activated); page 2 is the last.
      if (page === 1)
        return {
          ...hits([]),
          aggregations: {
            versions: {
              after_key: { documentKey: "z", version: "998" },
              buckets: [bucket("a", "v2", 10, 10), ...Array.from({ length: 999 }, (_, i) => bucket("z", String(i), 5, 5))],
            },
          },
        };
      return { ...hits([]), aggregations: { versions: { buckets: [bucket("b", "v1", 4, 4), bucket("b", "v2", 6, 2), bucket("c", "v2", 3, 0)] } } };
    });
    expect(await index.modelCoverage("new")).toEqual({ chunks: 10 + 6 + 3, covered: 10 + 2 });
    const [first, second] = sent("POST", /^\/ragline-chunks\/_search$/);
    expect(first.body).toEqual({
      size: 0,
      query: { bool: { filter: [{ terms: { embeddingModel: ["old", "new"] } }] } },
      aggs: {
        versions: {
          composite: { size: 1000, sources: [{ documentKey: { terms: { field: "documentKey" } } }, { version: { terms: { field: "version" } } }] },
          aggs: { serving: { filter: { term: { embeddingModel: "old" } } }, target: { filter: { term: { embeddingModel: "new" } } } },
        },
      },
    });
    expect(second.body.aggs.versions.composite.after).toEqual({ documentKey: "z", version: "998" });
    expect(JSON.stringify(log.map((r) => r.body))).not.toMatch(/script|painless/);
  });

  it("rollout (mock ES): GET /index/rollout's status and the scheduled tick run on the coverage aggregation, then switch the serving model", async () => {
    let serving = "old";
    on("GET", /^\/ragline-chunks-state\/_doc\/serving-model$/, () => ({ _id: "serving-model", found: true, _source: { model: serving } }));
    on("PUT", /^\/ragline-chunks-state\/_doc\/serving-model$/, (r) => {
      serving = r.body.model;
      return { result: "updated" };
    });
    on("POST", /^\/ragline-chunks-state\/_mget$/, (r) => ({
      docs: r.body.ids.map((id: string) => ({ _id: id, found: true, _source: { documentKey: "a", version: "v1" } })),
    }));
    let target = 3;
    on("POST", /^\/ragline-chunks\/_search$/, () => ({
      ...hits([]),
      aggregations: {
        versions: { buckets: [{ key: { documentKey: "a", version: "v1" }, doc_count: 8, serving: { doc_count: 4 }, target: { doc_count: target } }] },
      },
    }));
    on("POST", /_delete_by_query$/, () => ({ deleted: 4, version_conflicts: 0, failures: [] }));
    // Only what the rollout reads of the context: the index, the configured model, and an empty catalog
    // (the retrieval tuning that follows a switch needs the object store: absent here, it logs a warning).
    const ctx = { index, embedder: { model: "new" }, catalog: { list: async () => [] } } as unknown as Parameters<typeof rolloutTick>[0];
    expect(await rolloutStatus(ctx)).toMatchObject({ state: "rolling", serving: "old", target: "new", chunks: 4, covered: 3 });
    target = 4;
    expect(await rolloutTick(ctx)).toMatchObject({ state: "switched", serving: "new", chunks: 4, covered: 4 });
    const [del] = sent("POST", /_delete_by_query$/);
    expect(del.body).toEqual({ query: { bool: { must_not: [{ term: { embeddingModel: "new" } }] } } });
    expect(del.querystring).toEqual({ conflicts: "proceed", refresh: "true" }); // once per rollout, not per document
  });

  it("client set-up (mock ES): plain JSON media types, which ES 8.x and 9.x both accept (the 9.x client's default compatible-with=9 is refused by 8.x)", async () => {
    const headers: Record<string, string>[] = [];
    const mock = new Mock();
    mock.add({ method: "GET", path: "/" }, () => ({ version: { number: "8.19.3" } }));
    mock.add({ method: "POST", path: "/_msearch" }, () => ({ responses: [hits([])] }));
    const MockConnection = mock.getConnection();
    class Recording extends MockConnection {
      override request(params: any, options: any): any {
        headers.push({ ...params.headers });
        return super.request(params, options);
      }
    }
    const client = createEsClient({ node: "http://localhost:9200", Connection: Recording as never });
    await client.info();
    await client.msearch({ searches: [{ index: "i" }, { query: { match_all: {} } }] });
    expect(headers[0].accept).toBe("application/json, text/plain");
    expect(headers[1]["content-type"]).toBe("application/x-ndjson");
    expect(headers[1].accept).toBe("application/json");
    expect(JSON.stringify(headers)).not.toMatch(/compatible-with/);
  });

  it("start-up (mock ES): the server's version is checked; outside 8.4 - 9.x ensureIndex refuses, naming the range", async () => {
    for (const ok of ["8.4.0", "8.19.3", "9.0.0", "9.2.1"]) expect(() => checkEsVersion(ok)).not.toThrow();
    for (const bad of ["7.17.22", "8.3.3", "10.0.0"]) expect(() => checkEsVersion(bad)).toThrow(UnsupportedEsVersionError);
    on("GET", /^\/$/, () => ({ version: { number: "7.17.22" } }));
    await expect(index.ensureIndex()).rejects.toThrow(/Elasticsearch 7\.17\.22 is not supported: this adapter needs >= 8\.4 and < 10/);
    expect(sent("PUT", /_index_template/)).toHaveLength(0);
  });

  it("start-up (mock ES): credentials without the monitor privilege (GET / is a 403) skip the version check instead of failing", async () => {
    on("GET", /^\/$/, () => failure(403, { error: { type: "security_exception", reason: "action [cluster:monitor/main] is unauthorized" }, status: 403 }));
    await index.ensureIndex();
    expect(sent("PUT", /_index_template/)).toHaveLength(1);
  });

  it("search: one _msearch with BM25 and kNN under the same filters (ACL, prefix, department, tags, dates), fused by RRF; stale-version hits dropped", async () => {
    const a = {
      chunkId: "a1",
      documentKey: "hr/a.pdf",
      version: "v2",
      ordinal: 0,
      text: "A",
      sectionPath: [],
      kind: "text",
      metadata: {},
      embeddingModel: "m1",
    };
    const b = { ...a, chunkId: "b1", documentKey: "hr/b.pdf", version: "v1", text: "B" };
    const stale = { ...a, chunkId: "a0", version: "v1", text: "old A" };
    on("POST", /^\/_msearch$/, () => ({ took: 1, responses: [hits([hit(stale), hit(b), hit(a)]), hits([hit(a), hit(stale)])] }));
    on("POST", /^\/ragline-chunks-state\/_mget$/, (r) => ({
      docs: r.body.ids.map((id: string, i: number) => ({
        _id: id,
        found: true,
        _source: [
          { documentKey: "hr/a.pdf", version: "v2" },
          { documentKey: "hr/b.pdf", version: "v1" },
        ][i],
      })),
    }));
    const out = await index.search({
      text: "parental leave",
      vector: new Float32Array([1, 0, 0, 0]),
      topK: 5,
      embeddingModel: "m1",
      access: { tenant: "default", readers: ["hr-staff"] },
      filters: { keyPrefix: "hr/", department: "hr", tags: ["policy"], dateFrom: "2024-01-01", dateTo: "2024-12-31" },
    });
    const [ms] = sent("POST", /^\/_msearch$/);
    expect(ms.body).toHaveLength(4);
    const [h1, bm25, h2, knn] = ms.body;
    expect(h1).toEqual({ index: "ragline-chunks" });
    expect(h2).toEqual({ index: "ragline-chunks" });
    const filter = [
      { prefix: { documentKey: "hr/" } },
      { term: { department: "hr" } },
      { term: { tags: "policy" } },
      { range: { date: { gte: "2024-01-01", lte: "2024-12-31" } } },
      { bool: { should: [{ term: { tenant: "default" } }, { bool: { must_not: [{ exists: { field: "tenant" } }] } }], minimum_should_match: 1 } },
      { bool: { should: [{ bool: { must_not: [{ exists: { field: "acl" } }] } }, { terms: { acl: ["hr-staff"] } }], minimum_should_match: 1 } },
    ];
    expect(bm25).toEqual({
      size: 50,
      _source: { excludes: ["vector_*", "vectorB64"] },
      query: {
        bool: {
          must: [{ multi_match: { query: "parental leave", fields: ["text", "sectionPath"], operator: "or" } }],
          filter: [...filter, { term: { embeddingModel: "m1" } }],
        },
      },
    });
    expect(knn).toEqual({
      size: 50,
      _source: { excludes: ["vector_*", "vectorB64"] },
      knn: { field: "vector_4", query_vector: [1, 0, 0, 0], k: 50, num_candidates: 200, filter: [...filter, { term: { embeddingModel: "m1" } }] },
    });
    // a1 is in both lists (BM25 rank 2 after dropping the stale hit, kNN rank 1): it leads.
    expect(out.map((c) => [c.id, c.bm25Rank, c.vectorRank])).toEqual([
      ["a1", 2, 1],
      ["b1", 1, undefined],
    ]);
    expect(out[0].score).toBeCloseTo(1 / 62 + 1 / 61, 10);
    expect(out.every((c) => !("vector" in c))).toBe(true);
  });

  it("search: before any vector of the query's size is mapped, only BM25 runs (kNN on an unmapped field is an ES error)", async () => {
    on("GET", /^\/ragline-chunks\/_mapping\/field\//, () => ({ "ragline-chunks": { mappings: {} } }));
    on("POST", /^\/_msearch$/, () => ({ responses: [hits([])] }));
    expect(await index.search({ text: "anything", vector: new Float32Array(4).fill(0.5), topK: 3 })).toEqual([]);
    expect(sent("GET", /_mapping\/field\/vector_4$/)).toHaveLength(1);
    expect(sent("POST", /^\/_msearch$/)[0].body).toHaveLength(2); // BM25 only
    await index.search({ text: "anything", vector: new Float32Array(4).fill(0.5), topK: 3 });
    expect(sent("GET", /_mapping\/field\//)).toHaveLength(1); // a miss is remembered for a few seconds
  });

  it("search: text without words skips BM25; a failed sub-search is an error, not an empty answer", async () => {
    on("POST", /^\/_msearch$/, () => ({ responses: [{ error: { type: "search_phase_execution_exception", reason: "all shards failed" }, status: 400 }] }));
    await expect(index.search({ text: "?!", vector: new Float32Array(4).fill(0.5), topK: 3 })).rejects.toThrow(/all shards failed/);
    expect(sent("POST", /^\/_msearch$/)[0].body).toHaveLength(2); // kNN only
    expect(await index.search({ text: "   ", topK: 3 })).toEqual([]);
  });

  it("countChunks, vectorsFor, removeDocument (marker first, 404 tolerated), serving model switch", async () => {
    on("POST", /^\/ragline-chunks\/_count$/, () => ({ count: 7 }));
    expect(await index.countChunks("k", "v", "m1")).toBe(7);
    expect(sent("POST", /_count$/)[0].body).toEqual({
      query: { bool: { filter: [{ term: { documentKey: "k" } }, { term: { version: "v" } }, { term: { embeddingModel: "m1" } }] } },
    });

    const v = new Float32Array([0.1, 0.2, 0.3]);
    on("POST", /^\/ragline-chunks\/_search$/, () => hits([hit({ chunkId: "c9", vectorB64: Buffer.from(v.buffer).toString("base64") })]));
    const got = await index.vectorsFor(["c9", "c10"], "m1");
    expect([...got.keys()]).toEqual(["c9"]);
    expect(Array.from(got.get("c9")!)).toEqual(Array.from(v));
    expect(sent("POST", /_search$/)[0].body).toMatchObject({
      _source: ["chunkId", "vectorB64"],
      query: { bool: { filter: [{ terms: { chunkId: ["c9", "c10"] } }, { term: { embeddingModel: "m1" } }] } },
    });

    on("DELETE", /^\/ragline-chunks-state\/_doc\//, () => failure(404, { result: "not_found" }));
    on("POST", /_delete_by_query$/, () => ({ deleted: 2 }));
    await index.removeDocument("k");
    const tail = log.slice(-2).map((r) => `${r.method} ${r.path.split("/")[1]}`);
    expect(tail).toEqual(["DELETE ragline-chunks-state", "POST ragline-chunks"]);

    expect(await index.servingModel()).toBeUndefined();
    on("PUT", /^\/ragline-chunks-state\/_doc\/serving-model$/, () => ({ result: "created" }));
    await index.switchServingModel("m2");
    expect(sent("PUT", /serving-model$/)[0].body).toMatchObject({ kind: "serving", model: "m2" });
    expect(log.at(-1)!.body).toEqual({ query: { bool: { must_not: [{ term: { embeddingModel: "m2" } }] } } });
  });

  it("chunksOf: the live version's chunks of the serving model, sorted by ordinal, paged with search_after", async () => {
    on("POST", /^\/ragline-chunks-state\/_mget$/, (r) => ({ docs: [{ _id: r.body.ids[0], found: true, _source: { documentKey: "k", version: "v3" } }] }));
    on("GET", /^\/ragline-chunks-state\/_doc\/serving-model$/, () => ({ _id: "serving-model", found: true, _source: { model: "m1" } }));
    let page = 0;
    on("POST", /^\/ragline-chunks\/_search$/, () => {
      page++;
      const n = page === 1 ? 1000 : 3;
      return hits(
        Array.from({ length: n }, (_, i) => ({
          ...hit({
            chunkId: `c${i}`,
            documentKey: "k",
            version: "v3",
            ordinal: (page - 1) * 1000 + i,
            text: "t",
            sectionPath: [],
            kind: "text",
            metadata: {},
            embeddingModel: "m1",
          }),
          sort: [(page - 1) * 1000 + i, `c${i}`],
        })),
      );
    });
    const chunks = await index.chunksOf("k");
    expect(chunks).toHaveLength(1003);
    const searches = sent("POST", /^\/ragline-chunks\/_search$/);
    expect(searches[0].body).toMatchObject({
      size: 1000,
      sort: [{ ordinal: "asc" }, { chunkId: "asc" }],
      query: { bool: { filter: [{ term: { documentKey: "k" } }, { term: { version: "v3" } }, { term: { embeddingModel: "m1" } }] } },
    });
    expect(searches[1].body.search_after).toEqual([999, "c999"]);
  });
});
