import { RaglineError } from "../../domain/errors";

/** L2-normalised copy: the search index compares vectors by dot product. */
export function normalised(values: ArrayLike<number>): Float32Array {
  const v = Float32Array.from(values);
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

/** Every vector must have the expected dimensions: a model swap behind the same name is caught here. */
export function checkDimensions(vectors: Float32Array[], expected: number | undefined, where: string): number {
  const dims = expected ?? vectors[0]?.length ?? 0;
  const bad = vectors.find((v) => v.length !== dims);
  if (bad)
    throw new RaglineError("embedding_dimensions", `${where} returned ${bad.length}-dimensional vectors, expected ${dims} (RAGLINE_EMBED_DIMENSIONS)`, {
      status: 502,
    });
  return dims;
}

export function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
