import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "../cli/args";
import { answerFeatures, FEATURE_NAMES } from "../shared/query/answer-features";
import { DEFAULT_THRESHOLDS, planAnswer, scoreEvidence } from "../shared/query/evidence";
import { ABSTENTION_MODEL } from "../shared/query/abstention-model";
import { fitLogistic, predict, type LogisticModel } from "../shared/query/logistic";

// `npx tsx evals/abstention-train.ts --dumps a.json,b.json [--max-false 0.2] [--write]`: fits the learned
// abstention check (shared/query/abstention-model.ts) on dev questions dumped by
// `npm run eval:abstention -- --dump FILE`. Prints every feature's AUC alone and the curve (abstention on
// unanswerable / false abstention on answerable per threshold) beside the threshold check, out of fold: two
// folds of alternate questions, each scored by the model fitted on the other. The threshold is chosen on that
// curve; --write records the model fitted on all the questions with it.

interface Dumped {
  dataset: string;
  id: string;
  question: string;
  answerable: boolean;
  relevance: number;
  sources: { text: string; sectionPath: string[]; documentKey: string; score: number }[];
}

const { flags } = parseArgs(process.argv.slice(2));
const files = String(flags.dumps ?? "")
  .split(",")
  .filter(Boolean);
const maxFalse = Number(flags["max-false"] ?? 0.2);
const minRelevance = 0.3; // RAGLINE_MIN_RELEVANCE's default: questions under it abstain before the evidence check

const rows = files
  .flatMap((f) => JSON.parse(readFileSync(f, "utf8")) as Dumped[])
  .map((d, i, all) => {
    const sources = d.sources.map((s, n) => ({ n, ...s }));
    const f = answerFeatures(d.question, sources, scoreEvidence(d.question, sources), DEFAULT_THRESHOLDS.fromTopSources);
    const place = all.slice(0, i).filter((x) => x.dataset === d.dataset).length;
    const gated = d.relevance < minRelevance;
    // The whole plan (named documents, another issuer's filing) with the model saying yes, and saying no.
    const declines = (threshold: number) =>
      gated || !planAnswer(d.question, sources, { ...DEFAULT_THRESHOLDS, learned: { model: ABSTENTION_MODEL, threshold } }).units.length;
    return {
      d,
      x: FEATURE_NAMES.map((k) => f[k]),
      y: d.answerable ? 1 : 0,
      fold: place % 2,
      gated,
      ifYes: declines(0),
      ifNo: declines(1.01),
    };
  });

function auc(scores: number[], labels: number[]): number {
  const pos = scores.filter((_, i) => labels[i]);
  const neg = scores.filter((_, i) => !labels[i]);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return pos.length && neg.length ? wins / (pos.length * neg.length) : NaN;
}

const withUnanswerable = rows.filter((r) => rows.some((o) => o.d.dataset === r.d.dataset && !o.y));
process.stdout.write("feature AUC alone (datasets with unanswerable questions, all dev):\n");
FEATURE_NAMES.forEach((k, j) =>
  process.stdout.write(
    `  ${k.padEnd(16)} ${auc(
      withUnanswerable.map((r) => r.x[j]),
      withUnanswerable.map((r) => r.y),
    ).toFixed(3)}\n`,
  ),
);

// Two folds (alternate questions of each dataset): each half is scored by the model fitted on the other, so
// every figure below is out of fold; the model recorded is then fitted on all of them.
const l2 = Number(flags.l2 ?? 0.01);
const fitOn = (rs: typeof rows) =>
  fitLogistic(
    rs.filter((r) => !r.gated).map((r) => r.x),
    rs.filter((r) => !r.gated).map((r) => r.y),
    { l2 },
  );
const byFold = [fitOn(rows.filter((r) => r.fold === 1)), fitOn(rows.filter((r) => r.fold === 0))];
const outOfFold = new Map(rows.map((r) => [r, r.gated ? -1 : predict(byFold[r.fold], r.x)]));
const p = (r: (typeof rows)[number]) => outOfFold.get(r)!;
process.stdout.write(
  `out-of-fold AUC of the model: ${auc(
    withUnanswerable.map(p),
    withUnanswerable.map((r) => r.y),
  ).toFixed(3)}\n`,
);

const datasets = [...new Set(rows.map((r) => r.d.dataset))];
const cell = (rs: typeof rows, abstains: (r: (typeof rows)[number]) => boolean) => {
  const un = rs.filter((r) => !r.y);
  const an = rs.filter((r) => r.y);
  return {
    un: un.length ? un.filter(abstains).length / un.length : NaN,
    fa: an.length ? an.filter(abstains).length / an.length : NaN,
    nUn: un.length,
    kUn: un.filter(abstains).length,
    nAn: an.length,
    kAn: an.filter(abstains).length,
  };
};
const line = (label: string, rs: typeof rows, abstains: (r: (typeof rows)[number]) => boolean) =>
  `  ${label.padEnd(10)} ${datasets
    .map((n) => {
      const c = cell(
        rs.filter((r) => r.d.dataset === n),
        abstains,
      );
      return `${n}: ${c.nUn ? `${c.kUn}/${c.nUn} unanswerable, ` : ""}${c.kAn}/${c.nAn} answerable`;
    })
    .join("   ")}\n`;

// The shipped rule: the thresholds answer, and where they decline the model answers when p >= t (ifYes / ifNo
// are the whole plan with the model saying yes / no). t: the fewest wrong decisions over all dev questions
// (unanswerable answered + answerable declined), out of fold; --max-false caps false abstention per dataset.
const withModel = (t: number) => (r: (typeof rows)[number]) => (p(r) >= t ? r.ifYes : r.ifNo);
let chosen = 1;
let fewest = Infinity;
for (let t = 0.3; t < 0.99; t += 0.05) {
  const cells = datasets.map((n) =>
    cell(
      rows.filter((r) => r.d.dataset === n),
      withModel(t),
    ),
  );
  if (Math.max(...cells.map((c) => c.fa).filter((x) => !Number.isNaN(x))) > maxFalse) continue;
  const wrong = cells.reduce((s, c) => s + (c.nUn - c.kUn) + c.kAn, 0);
  if (wrong < fewest) [fewest, chosen] = [wrong, Number(t.toFixed(2))];
}
process.stdout.write("abstained, all dev questions (out of fold):\n");
process.stdout.write(line("thresholds", rows, (r) => r.ifNo));
for (let t = 0.3; t < 0.99; t += 0.05) process.stdout.write(line(`or p>=${t.toFixed(2)}`, rows, withModel(t)));
process.stdout.write(`threshold chosen (fewest wrong decisions, false abstention <= ${maxFalse} on each dataset): ${chosen}\n`);
process.stdout.write(line(`or p>=${chosen}`, rows, withModel(chosen)));
const model = fitOn(rows);

if (flags.write) writeModel({ ...model, threshold: chosen });

function writeModel(m: LogisticModel & { threshold: number }) {
  const path = "shared/query/abstention-model.ts";
  const r = (x: number) => Number(x.toFixed(4));
  writeFileSync(
    path,
    `import type { FeatureName } from "./answer-features";
import type { LogisticModel } from "./logistic";

// Written by \`npx tsx evals/abstention-train.ts --dumps ... --write\`: logistic
// regression over answer-features.ts, fitted on the dev questions of ${datasets.join(", ")}; the threshold
// (the model answers where the thresholds decline) makes the fewest wrong decisions, out of fold (two folds of alternate questions). Do not edit by hand.

export const ABSTENTION_MODEL: LogisticModel & { features: readonly FeatureName[]; threshold: number } = {
  features: ${JSON.stringify(FEATURE_NAMES)},
  mean: ${JSON.stringify(m.mean.map(r))},
  scale: ${JSON.stringify(m.scale.map(r))},
  weights: ${JSON.stringify(m.weights.map(r))},
  bias: ${r(m.bias)},
  threshold: ${m.threshold},
};
`,
  );
  process.stdout.write(`wrote ${path}\n`);
}
