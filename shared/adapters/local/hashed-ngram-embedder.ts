import type { Embedder } from "../../ports/models";
import { contentTerms } from "../../text/terms";

// NOT a neural embedder: a deterministic, lexical one. Word unigrams, word bigrams and character
// 4-grams are hashed (signed) into a fixed number of dimensions, log-scaled and L2-normalised.
// It lets the whole pipeline run with no model and no network; semantic recall needs a real model.

export class HashedNgramEmbedder implements Embedder {
  readonly backend = "local";
  readonly model: string;

  /** The local model of a model id ("local/hashed-ngrams-v1-d256"), or undefined. */
  static fromModelId(model: string): HashedNgramEmbedder | undefined {
    const m = /^local\/hashed-ngrams-v1-d(\d+)$/.exec(model);
    return m ? new HashedNgramEmbedder(Number(m[1])) : undefined;
  }

  constructor(readonly dimensions = 384) {
    this.model = `local/hashed-ngrams-v1-d${dimensions}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  embedOne(text: string): Float32Array {
    const counts = new Map<number, number>();
    const add = (feature: string, weight: number) => {
      const h = fnv1a(feature);
      const idx = (h >>> 1) % this.dimensions;
      const sign = h & 1 ? 1 : -1;
      counts.set(idx, (counts.get(idx) ?? 0) + sign * weight);
    };
    const terms = contentTerms(text);
    terms.forEach((t, i) => {
      add(`w:${t}`, 1);
      if (i > 0) add(`b:${terms[i - 1]}_${t}`, 0.5);
      const padded = `^${t}$`;
      const grams = Math.max(1, padded.length - 3);
      for (let j = 0; j + 4 <= padded.length; j++) add(`c:${padded.slice(j, j + 4)}`, 0.5 / grams);
    });
    const v = new Float32Array(this.dimensions);
    for (const [i, c] of counts) v[i] = Math.sign(c) * Math.log1p(Math.abs(c));
    let norm = 0;
    for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < v.length; i++) v[i] /= norm;
    return v;
  }
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
