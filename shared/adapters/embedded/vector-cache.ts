import type { DocumentMetadata } from "../../domain/document";
import type { Db } from "./sqlite";

// Live vectors held in one Float32Array per model for brute-force cosine (vectors are normalised,
// so cosine = dot product). Reloaded when this or another process changed the index.

interface Slab { rowids: Int32Array; keys: string[]; metas: DocumentMetadata[]; dims: number; data: Float32Array }

export class VectorCache {
  private slabs = new Map<string, Slab>();
  private dataVersion = -1;

  constructor(private readonly db: Db) {}

  invalidate() { this.slabs.clear(); }

  search(query: Float32Array, model: string | undefined, limit: number, keep: (key: string, meta: DocumentMetadata) => boolean): number[] {
    const slab = this.slab(model, query.length);
    if (!slab) return [];
    const n = slab.rowids.length;
    const d = slab.dims;
    const scores: { i: number; s: number }[] = [];
    for (let i = 0; i < n; i++) {
      if (!keep(slab.keys[i], slab.metas[i])) continue;
      let s = 0;
      const off = i * d;
      for (let j = 0; j < d; j++) s += slab.data[off + j] * query[j];
      scores.push({ i, s });
    }
    scores.sort((a, b) => b.s - a.s);
    return scores.slice(0, limit).filter((x) => x.s > 0).map((x) => slab.rowids[x.i]);
  }

  private slab(model: string | undefined, dims: number): Slab | undefined {
    const version = (this.db.pragma("data_version", { simple: true }) as number);
    if (version !== this.dataVersion) { this.slabs.clear(); this.dataVersion = version; }
    const cacheKey = `${model ?? "*"}:${dims}`;
    let slab = this.slabs.get(cacheKey);
    if (!slab) {
      const rows = this.db
        .prepare(`SELECT rowid, document_key, metadata, vector FROM chunks WHERE active = 1${model ? " AND embedding_model = ?" : ""}`)
        .all(...(model ? [model] : [])) as { rowid: number; document_key: string; metadata: string; vector: Buffer }[];
      const usable = rows.filter((r) => r.vector.byteLength === dims * 4);
      const data = new Float32Array(usable.length * dims);
      // Copy through a fresh buffer: SQLite blobs are not guaranteed 4-byte aligned.
      usable.forEach((r, i) => data.set(new Float32Array(Uint8Array.from(r.vector).buffer), i * dims));
      slab = { rowids: Int32Array.from(usable.map((r) => r.rowid)), keys: usable.map((r) => r.document_key), metas: usable.map((r) => JSON.parse(r.metadata)), dims, data };
      this.slabs.set(cacheKey, slab);
    }
    return slab;
  }
}
