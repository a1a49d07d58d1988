/** The brief's three-point scale. */
export type Verdict = "useful" | "partly" | "wrong";
export const VERDICTS: readonly Verdict[] = ["useful", "partly", "wrong"];

export interface VerdictResult {
  verdict: Verdict;
  by: string;
  reason: string;
}
