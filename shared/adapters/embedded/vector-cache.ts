import type { DocumentMetadata } from "../../domain/document";
import { allocateVectors, simdDots } from "./simd-dots";
import type { Db } from "./sqlite";

// Live vectors held in one Float32Array per model (in a WebAssembly memory once large: simd-dots.ts)
// for brute-force cosine (vectors are normalised, so cosine = dot product). Kept up to date from the index's change log (vector_log: chunks that
// went live or left, written in the same transaction as the change, by any process): a search
// after an activation reads the few rows that changed, not every vector again. Rows that left are
// zeroed in place (a zero vector never scores) and the slab is packed again when a quarter is holes.
// A reset in the log (the serving model switched) or a log trimmed past this cache reloads it.

/** The change log the index writes; `chunk` 0 with `live` -1 is a reset. */
export const VECTOR_LOG_SQL = "CREATE TABLE IF NOT EXISTS vector_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, chunk INTEGER NOT NULL, live INTEGER NOT NULL)";

interface Slab {
  model: string | undefined;
  dims: number;
  size: number;
  holes: number;
  rowids: Int32Array;
  keys: string[];
  metas: DocumentMetadata[];
  data: Float32Array;
  slotOf: Map<number, number>;
}
interface VectorRow {
  rowid: number;
  document_key: string;
  metadata: string;
  vector: Buffer;
  embedding_model: string;
}

export class VectorCache {
  private slabs = new Map<string, Slab>();
  private dataVersion = -1;
  /** The last change-log entry the slabs reflect. */
  private seq = 0;
  private stale = true;
  /** How many slabs were loaded whole, and how many changes were applied in place (tests, benches). */
  readonly stats = { reloads: 0, applied: 0 };

  constructor(private readonly db: Db) {
    db.exec(VECTOR_LOG_SQL);
  }

  /** This connection changed the index (data_version only tells of other connections' changes). */
  changed() {
    this.stale = true;
  }

  /** Forget everything: the next search loads the slabs whole. */
  invalidate() {
    this.slabs.clear();
    this.stale = true;
  }

  /**
   * The `limit` best positive dot products among the chunks `keep` admits, best first. A bounded
   * min-heap in typed arrays: no object per chunk and no sort of the whole index.
   */
  search(query: Float32Array, model: string | undefined, limit: number, keep: (key: string, meta: DocumentMetadata) => boolean): number[] {
    const slab = this.slab(model, query.length);
    if (!slab?.size) return [];
    const data = slab.data.subarray(0, slab.size * slab.dims);
    return topKByDot(data, slab.dims, query, limit, (i) => keep(slab.keys[i], slab.metas[i])).map((i) => slab.rowids[i]);
  }

  private slab(model: string | undefined, dims: number): Slab {
    // One read snapshot for the log and the rows it names.
    return this.db.transaction(() => {
      this.catchUp();
      const cacheKey = `${model ?? "*"}:${dims}`;
      let slab = this.slabs.get(cacheKey);
      if (!slab) this.slabs.set(cacheKey, (slab = this.load(model, dims)));
      return slab;
    })();
  }

  /** Applies the changes since the last search; reloads when the log cannot say what changed. */
  private catchUp() {
    const version = this.db.pragma("data_version", { simple: true }) as number;
    if (version === this.dataVersion && !this.stale) return;
    this.dataVersion = version;
    this.stale = false;
    const { first, last } = this.db.prepare("SELECT MIN(seq) AS first, COALESCE(MAX(seq), 0) AS last FROM vector_log").get() as {
      first: number | null;
      last: number;
    };
    const since = this.seq;
    this.seq = last;
    if (!this.slabs.size || last === since) return;
    // Entries after ours were trimmed, or a reset: what changed is not known, load again.
    if ((first ?? last + 1) > since + 1) {
      this.slabs.clear();
      return;
    }
    const changes = this.db.prepare("SELECT chunk, live FROM vector_log WHERE seq > ? ORDER BY seq").all(since) as { chunk: number; live: number }[];
    if (changes.some((c) => c.live < 0)) {
      this.slabs.clear();
      return;
    }
    const gone = changes.filter((c) => c.live === 0).map((c) => c.chunk);
    const wentLive = changes.filter((c) => c.live === 1).map((c) => c.chunk);
    const rows = this.rowsOf(wentLive);
    for (const slab of this.slabs.values()) {
      for (const rowid of gone) this.drop(slab, rowid);
      for (const r of rows) if ((slab.model === undefined || r.embedding_model === slab.model) && r.vector.byteLength === slab.dims * 4) this.add(slab, r);
      if (slab.holes > 64 && slab.holes * 4 > slab.size) this.pack(slab);
    }
    this.stats.applied += changes.length;
  }

  private rowsOf(rowids: number[]): VectorRow[] {
    const out: VectorRow[] = [];
    const q = this.db.prepare("SELECT rowid, document_key, metadata, vector, embedding_model FROM chunks WHERE rowid = ? AND active = 1");
    for (const id of new Set(rowids)) {
      const r = q.get(id) as VectorRow | undefined;
      if (r) out.push(r);
    }
    return out;
  }

  private load(model: string | undefined, dims: number): Slab {
    const rows = this.db
      .prepare(`SELECT rowid, document_key, metadata, vector, embedding_model FROM chunks WHERE active = 1${model ? " AND embedding_model = ?" : ""}`)
      .all(...(model ? [model] : [])) as VectorRow[];
    const usable = rows.filter((r) => r.vector.byteLength === dims * 4);
    const slab: Slab = {
      model,
      dims,
      size: 0,
      holes: 0,
      rowids: new Int32Array(usable.length),
      keys: [],
      metas: [],
      data: allocateVectors(usable.length, dims),
      slotOf: new Map(),
    };
    for (const r of usable) this.add(slab, r);
    this.stats.reloads++;
    return slab;
  }

  private add(slab: Slab, r: VectorRow) {
    if (slab.slotOf.has(r.rowid)) return;
    if (slab.size === slab.rowids.length) grow(slab, Math.max(64, slab.size * 2));
    const i = slab.size++;
    // Copy through a fresh buffer: SQLite blobs are not guaranteed 4-byte aligned.
    slab.data.set(new Float32Array(Uint8Array.from(r.vector).buffer), i * slab.dims);
    slab.rowids[i] = r.rowid;
    slab.keys[i] = r.document_key;
    slab.metas[i] = JSON.parse(r.metadata);
    slab.slotOf.set(r.rowid, i);
  }

  private drop(slab: Slab, rowid: number) {
    const i = slab.slotOf.get(rowid);
    if (i === undefined) return;
    slab.slotOf.delete(rowid);
    slab.data.fill(0, i * slab.dims, (i + 1) * slab.dims); // never scores (> 0 is required)
    slab.rowids[i] = -1;
    slab.holes++;
  }

  /** Moves live rows over the holes, keeping their order. */
  private pack(slab: Slab) {
    let w = 0;
    for (let i = 0; i < slab.size; i++) {
      if (slab.rowids[i] < 0) continue;
      if (w !== i) {
        slab.data.copyWithin(w * slab.dims, i * slab.dims, (i + 1) * slab.dims);
        slab.rowids[w] = slab.rowids[i];
        slab.keys[w] = slab.keys[i];
        slab.metas[w] = slab.metas[i];
        slab.slotOf.set(slab.rowids[w], w);
      }
      w++;
    }
    slab.keys.length = w;
    slab.metas.length = w;
    slab.size = w;
    slab.holes = 0;
  }
}

function grow(slab: Slab, capacity: number) {
  const data = allocateVectors(capacity, slab.dims);
  data.set(slab.data.subarray(0, slab.size * slab.dims));
  const rowids = new Int32Array(capacity);
  rowids.set(slab.rowids.subarray(0, slab.size));
  slab.data = data;
  slab.rowids = rowids;
}

/**
 * Indices of the `limit` rows of `data` (row-major, `dims` wide) with the best positive dot product
 * with `query` that `keep` admits, best first. A bounded min-heap in typed arrays: no object per row
 * and no sort of every row; `keep` is asked only for rows that would enter the heap.
 */
export function topKByDot(data: Float32Array, dims: number, query: Float32Array, limit: number, keep: (i: number) => boolean = () => true): number[] {
  if (limit <= 0) return [];
  const n = Math.floor(data.length / dims);
  const scores = simdDots(data, dims, n, query);
  const heapS = new Float64Array(limit);
  const heapI = new Int32Array(limit);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const s = scores ? scores[i] : dotAt(data, i * dims, query, dims);
    if (s <= 0 || (size === limit && s <= heapS[0])) continue;
    if (!keep(i)) continue;
    if (size < limit) {
      heapS[size] = s;
      heapI[size] = i;
      siftUp(heapS, heapI, size++);
    } else {
      heapS[0] = s;
      heapI[0] = i;
      siftDown(heapS, heapI, size);
    }
  }
  return Array.from({ length: size }, (_, k) => k)
    .sort((a, b) => heapS[b] - heapS[a])
    .map((k) => heapI[k]);
}

/**
 * Dot product of `query` with the row at `off`: eight products a step into four sums, which lets V8
 * overlap the multiplies (about 1.5x the one-sum loop here); a tail loop takes any remainder.
 */
function dotAt(data: Float32Array, off: number, query: Float32Array, dims: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 8 <= dims; j += 8) {
    const o = off + j;
    s0 += data[o] * query[j] + data[o + 4] * query[j + 4];
    s1 += data[o + 1] * query[j + 1] + data[o + 5] * query[j + 5];
    s2 += data[o + 2] * query[j + 2] + data[o + 6] * query[j + 6];
    s3 += data[o + 3] * query[j + 3] + data[o + 7] * query[j + 7];
  }
  let s = s0 + s1 + s2 + s3;
  for (; j < dims; j++) s += data[off + j] * query[j];
  return s;
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
  for (let k = 0; ; ) {
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
  const t = s[a];
  s[a] = s[b];
  s[b] = t;
  const u = ix[a];
  ix[a] = ix[b];
  ix[b] = u;
}
