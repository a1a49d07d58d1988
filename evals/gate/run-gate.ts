import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { evaluate, settingsOf } from "../evaluate";
import { listDatasets, datasetsRoot } from "../datasets/loader";
import { HttpPipelineClient } from "../run/http-client";
import { startLocalHost } from "../run/local-host";
import type { Progress } from "../run/progress";
import type { EvalReport } from "../report/types";
import { GATE_SUITE } from "../suite";
import type { Judge } from "../verdict/judge";
import { BASELINE_PATH, baselineFrom, compareToBaseline, type Baseline, type GateResult } from "./compare";

// Runs the gate suite on a fresh embedded system in this process (the real HTTP API, queues and
// workers) and compares it with the committed baseline.

export type GateOutcome = { skipped: string } | { report: EvalReport; result?: GateResult; baselineWritten?: string };

export async function runGate(
  opts: { env?: Record<string, string>; baselinePath?: string; update?: boolean; judge?: Judge; progress?: Progress; root?: string } = {},
): Promise<GateOutcome> {
  const root = datasetsRoot(opts.root);
  const have = listDatasets(root);
  const missing = GATE_SUITE.parts.map((p) => p.dataset).filter((d) => !have.includes(d));
  if (missing.length) return { skipped: `datasets ${missing.join(", ")} not found under ${root}` };
  const baselinePath = opts.baselinePath ?? BASELINE_PATH;
  const host = await startLocalHost({ env: opts.env });
  try {
    const report = await evaluate({
      client: new HttpPipelineClient(host.url),
      suite: GATE_SUITE,
      kind: "gate",
      root,
      judge: opts.judge,
      settings: settingsOf(host.config),
      progress: opts.progress,
    });
    if (opts.update) {
      writeFileSync(baselinePath, JSON.stringify(baselineFrom(report, gitCommit()), null, 2) + "\n");
      return { report, baselineWritten: baselinePath };
    }
    if (!existsSync(baselinePath)) throw new Error(`no baseline at ${baselinePath}; record one with: npm run eval:gate -- --update`);
    const baseline = JSON.parse(readFileSync(baselinePath, "utf8")) as Baseline;
    report.gate = compareToBaseline(report, baseline);
    return { report, result: report.gate };
  } finally {
    await host.close();
  }
}

function gitCommit(): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: import.meta.dirname, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}
