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

  /**
   * The `limit` best positive dot products among the chunks `keep` admits, best first. A bounded
   * min-heap in typed arrays: no object per chunk and no sort of the whole index.
   */
  search(query: Float32Array, model: string | undefined, limit: number, keep: (key: string, meta: DocumentMetadata) => boolean): number[] {
    const slab = this.slab(model, query.length);
    if (!slab) return [];
    return topKByDot(slab.data, slab.dims, query, limit, (i) => keep(slab.keys[i], slab.metas[i])).map((i) => slab.rowids[i]);
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

/**
 * Indices of the `limit` rows of `data` (row-major, `dims` wide) with the best positive dot product
 * with `query` that `keep` admits, best first. A bounded min-heap in typed arrays: no object per row
 * and no sort of every row; `keep` is asked only for rows that would enter the heap.
 */
export function topKByDot(data: Float32Array, dims: number, query: Float32Array, limit: number, keep: (i: number) => boolean = () => true): number[] {
  if (limit <= 0) return [];
  const n = Math.floor(data.length / dims);
  const heapS = new Float64Array(limit);
  const heapI = new Int32Array(limit);
  let size = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const off = i * dims;
    for (let j = 0; j < dims; j++) s += data[off + j] * query[j];
    if (s <= 0 || (size === limit && s <= heapS[0])) continue;
    if (!keep(i)) continue;
    if (size < limit) { heapS[size] = s; heapI[size] = i; siftUp(heapS, heapI, size++); }
    else { heapS[0] = s; heapI[0] = i; siftDown(heapS, heapI, size); }
  }
  return Array.from({ length: size }, (_, k) => k).sort((a, b) => heapS[b] - heapS[a]).map((k) => heapI[k]);
}

/** Min-heap on scores (root = the weakest of the best so far), indices carried alongside. */
function siftUp(s: Float64Array, ix: Int32Array, k: number) {
  while (k > 0) {
    const p = (k - 1) >> 1;
    if (s[p] <= s[k]) return;
    swap(s, ix, p, k);
    k = p;
  }
}

function siftDown(s: Float64Array, ix: Int32Array, size: number) {
  for (let k = 0; ;) {
    const l = 2 * k + 1;
    const r = l + 1;
    let m = k;
    if (l < size && s[l] < s[m]) m = l;
    if (r < size && s[r] < s[m]) m = r;
    if (m === k) return;
    swap(s, ix, m, k);
    k = m;
  }
}

function swap(s: Float64Array, ix: Int32Array, a: number, b: number) {
  const t = s[a]; s[a] = s[b]; s[b] = t;
  const u = ix[a]; ix[a] = ix[b]; ix[b] = u;
}
