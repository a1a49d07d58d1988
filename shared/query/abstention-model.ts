import type { FeatureName } from "./answer-features";
import type { LogisticModel } from "./logistic";

// Written by `npx tsx evals/abstention-train.ts --dumps ... --write`: logistic
// regression over answer-features.ts, fitted on the dev questions of clapnq, tatqa, financebench; the threshold
// (the model answers where the thresholds decline) makes the fewest wrong decisions, out of fold (two folds of alternate questions). Do not edit by hand.

export const ABSTENTION_MODEL: LogisticModel & { features: readonly FeatureName[]; threshold: number } = {
  features: [
    "coverage",
    "focus",
    "own",
    "coverFocusTyped",
    "pairs",
    "names",
    "typeNear",
    "asksType",
    "chunkCoverage",
    "concentration",
    "rivalDocument",
    "anywhere",
    "wellFormed",
    "questionLength",
  ],
  mean: [0.6417, 0.6162, 0.6139, 0.596, 0.3325, 0.9517, 0.9537, 0.4081, 0.6835, 0.8035, 0.3795, 0.8413, 0.8915, 0.4761],
  scale: [0.2884, 0.3088, 0.3039, 0.325, 0.2871, 0.175, 0.2102, 0.4915, 0.2089, 0.2325, 0.4136, 0.1622, 0.3111, 0.1814],
  weights: [0.6018, -0.1664, 0.0881, 0.4074, -0.0244, -0.0886, 0.042, -0.1836, -0.0202, -0.449, -1.0344, -0.0584, 0.578, 0.3086],
  bias: 1.9136,
  threshold: 0.7,
};
