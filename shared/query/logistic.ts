// A small logistic regression: standardised features, L2-regularised, fitted by gradient descent. Used for
// the learned abstention check (a handful of features, a few hundred dev questions), so no library.

export interface LogisticModel {
  mean: number[];
  scale: number[];
  weights: number[];
  bias: number;
}

export function predict(m: Pick<LogisticModel, "mean" | "scale" | "weights" | "bias">, x: readonly number[]): number {
  let z = m.bias;
  for (let j = 0; j < m.weights.length; j++) z += m.weights[j] * ((x[j] - m.mean[j]) / m.scale[j]);
  return 1 / (1 + Math.exp(-z));
}

export function fitLogistic(
  xs: readonly (readonly number[])[],
  ys: readonly number[],
  opts: { l2?: number; steps?: number; rate?: number } = {},
): LogisticModel {
  const d = xs[0]?.length ?? 0;
  const n = xs.length;
  const mean = Array.from({ length: d }, (_, j) => xs.reduce((s, x) => s + x[j], 0) / n);
  // A constant feature keeps scale 1 (its standardised value is 0 and its weight stays 0).
  const scale = mean.map((mu, j) => Math.sqrt(xs.reduce((s, x) => s + (x[j] - mu) ** 2, 0) / n) || 1);
  const z = xs.map((x) => x.map((v, j) => (v - mean[j]) / scale[j]));
  const w = new Array<number>(d).fill(0);
  let b = 0;
  const l2 = opts.l2 ?? 0.01;
  const rate = opts.rate ?? 0.5;
  for (let step = 0; step < (opts.steps ?? 3000); step++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      let s = b;
      for (let j = 0; j < d; j++) s += w[j] * z[i][j];
      const err = 1 / (1 + Math.exp(-s)) - ys[i];
      for (let j = 0; j < d; j++) gw[j] += err * z[i][j];
      gb += err;
    }
    for (let j = 0; j < d; j++) w[j] -= rate * (gw[j] / n + l2 * w[j]);
    b -= rate * (gb / n);
  }
  return { mean, scale, weights: w, bias: b };
}
