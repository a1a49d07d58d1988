import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "../cli/args";
import { auditSheetFrom, formatAudit, importSheet, sheetCsv, sheetHtml, type AuditKey } from "./audit/sheet";
import { judgeFrom, loadEvalConfig } from "./config";
import { datasetsRoot, listDatasets, loadQuestionFile } from "./datasets/loader";
import { evaluate, settingsOf } from "./evaluate";
import { formatGate } from "./gate/compare";
import { runGate } from "./gate/run-gate";
import { writeReportFiles, writeReportToBucket } from "./report/store";
import { formatTable } from "./report/table";
import type { EvalReport } from "./report/types";
import { HttpPipelineClient } from "./run/http-client";
import { startLocalHost, type LocalHost } from "./run/local-host";
import { stderrProgress } from "./run/progress";
import { parseSuite, type Suite } from "./suite";

const USAGE = `usage:
  npm run eval -- --dataset NAME[,NAME] [--limit N] [--distractors N] [--questions FILE]
                  [--suite SPEC] [--url URL | --data DIR] [--concurrency N] [--out DIR]
      Runs questions as real jobs and prints the metrics; writes report.json + report.html to --out
      (default evals/reports/). Without --url a fresh embedded system runs in this process
      (--data DIR keeps it, and the report also goes to the bucket's .reports/evals/).
  npm run eval:gate -- [--update] [--judge]
      The CI gate: a small fixed suite against evals/baselines/gate.json; exit 1 on regression.
  npm run eval:audit -- export (--dataset NAME | --questions FILE) [--n 50] [--seed 42] [--url URL] [--out DIR] [--no-reference]
  npm run eval:audit -- import SHEET.csv [--key audit-key.json]
      The blind human audit: a scoring sheet of N sampled answers, then the useful share from it.
`;

const REPO = resolve(import.meta.dirname, "..");
const str = (v: string | true | undefined) => (typeof v === "string" ? v : undefined);
const int = (v: string | true | undefined, name: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || !Number.isInteger(n) || n < 0) throw new Error(`--${name} needs a whole number`);
  return n;
};

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const { positionals, flags } = parseArgs(rest);
  switch (command) {
    case "run":
      return run(flags);
    case "gate":
      return gate(flags);
    case "audit":
      return positionals[0] === "import" ? auditImport(positionals[1] ?? str(flags.sheet), flags) : auditExport(flags);
    default:
      process.stdout.write(USAGE);
      process.exitCode = command && command !== "help" ? 1 : 0;
  }
}

/** The system to ask: a deployment at --url, or an embedded one started here. */
async function target(
  flags: Record<string, string | true>,
): Promise<{ client: HttpPipelineClient; host?: LocalHost; settings: Record<string, string | number> }> {
  const url = str(flags.url);
  if (url) return { client: new HttpPipelineClient(url, process.env.RAGLINE_API_KEY), settings: {} };
  const host = await startLocalHost({ dataDir: str(flags.data) });
  return { client: new HttpPipelineClient(host.url, process.env.RAGLINE_API_KEY), host, settings: settingsOf(host.config) };
}

async function finish(report: EvalReport, flags: Record<string, string | true>, host?: LocalHost) {
  const out = resolve(str(flags.out) ?? join(REPO, "evals", "reports"));
  const files = writeReportFiles(out, report);
  let bucket = "";
  if (host && str(flags.data)) bucket = `\n  bucket:  ${(await writeReportToBucket(host.ctx.objects, report)).html}`;
  process.stdout.write(`${formatTable(report)}\n\nreport:\n  ${files.json}\n  ${files.html}${bucket}\n`);
}

function noDatasets(root: string): boolean {
  if (listDatasets(root).length) return false;
  process.stdout.write(`no datasets under ${root}: nothing to run (set RAGLINE_EVAL_DATASETS or --datasets)\n`);
  return true;
}

async function run(flags: Record<string, string | true>) {
  const cfg = loadEvalConfig();
  const root = datasetsRoot(str(flags.datasets) ?? cfg.RAGLINE_EVAL_DATASETS);
  const questionsFile = str(flags.questions);
  let suite: Suite;
  if (str(flags.suite)) suite = parseSuite(str(flags.suite)!);
  else if (str(flags.dataset))
    suite = {
      name: str(flags.dataset)!,
      parts: str(flags.dataset)!
        .split(",")
        .map((d) => ({ dataset: d.trim(), limit: int(flags.limit, "limit"), distractors: int(flags.distractors, "distractors") })),
    };
  else if (questionsFile)
    suite = {
      name: "questions",
      parts: [{ dataset: dirname(resolve(questionsFile)), limit: int(flags.limit, "limit"), distractors: int(flags.distractors, "distractors") }],
    };
  else throw new Error(`name a --dataset (one of: ${listDatasets(root).join(", ") || "none found"}) or a --suite\n\n${USAGE}`);
  if (!questionsFile && suite.parts.every((p) => !p.dataset.includes("/")) && noDatasets(root)) return;
  if (questionsFile) loadQuestionFile(questionsFile); // fail early on a bad file
  const { client, host, settings } = await target(flags);
  try {
    const report = await evaluate({
      client,
      suite,
      kind: "run",
      root,
      questionsFile,
      judge: judgeFrom(cfg),
      concurrency: int(flags.concurrency, "concurrency") ?? cfg.RAGLINE_EVAL_CONCURRENCY,
      namespace: cfg.RAGLINE_EVAL_NAMESPACE,
      settings,
      progress: stderrProgress(),
    });
    await finish(report, flags, host);
  } finally {
    await host?.close();
  }
}

async function gate(flags: Record<string, string | true>) {
  const cfg = loadEvalConfig();
  const t0 = performance.now();
  const outcome = await runGate({
    update: flags.update === true,
    judge: flags.judge ? judgeFrom(cfg) : undefined,
    progress: stderrProgress(),
    root: str(flags.datasets) ?? cfg.RAGLINE_EVAL_DATASETS,
  });
  if ("skipped" in outcome) {
    process.stdout.write(`gate skipped: ${outcome.skipped}\n`);
    return;
  }
  await finish(outcome.report, flags);
  if (outcome.baselineWritten) process.stdout.write(`\nbaseline written: ${outcome.baselineWritten}\n`);
  if (outcome.result) {
    process.stdout.write(`\n${formatGate(outcome.result)}\n`);
    if (!outcome.result.passed) process.exitCode = 1;
  }
  process.stdout.write(`gate took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

async function auditExport(flags: Record<string, string | true>) {
  const cfg = loadEvalConfig();
  const root = datasetsRoot(str(flags.datasets) ?? cfg.RAGLINE_EVAL_DATASETS);
  const n = int(flags.n, "n") ?? 50;
  const seed = int(flags.seed, "seed") ?? 42;
  const questionsFile = str(flags.questions);
  const dataset = str(flags.dataset) ?? (questionsFile ? dirname(resolve(questionsFile)) : undefined);
  if (!dataset) throw new Error(`audit export needs --dataset NAME or --questions FILE\n\n${USAGE}`);
  const { client, host, settings } = await target(flags);
  try {
    const report = await evaluate({
      client,
      suite: { name: `audit-${n}`, parts: [{ dataset, sample: { n, seed } }] },
      kind: "audit",
      root,
      questionsFile,
      judge: judgeFrom(cfg),
      namespace: cfg.RAGLINE_EVAL_NAMESPACE,
      settings,
      progress: stderrProgress(),
    });
    const out = resolve(str(flags.out) ?? join(REPO, "evals", "reports", `audit-${report.id}`));
    mkdirSync(out, { recursive: true });
    const { items, key } = auditSheetFrom(report, { withReference: !flags["no-reference"] });
    writeFileSync(join(out, "audit-sheet.csv"), sheetCsv(items));
    writeFileSync(join(out, "audit-sheet.html"), sheetHtml(items));
    writeFileSync(join(out, "audit-key.json"), JSON.stringify(key, null, 2));
    writeReportFiles(out, report);
    process.stdout.write(`audit sheet of ${items.length} answers (seed ${seed}):
  give to the scorer:  ${join(out, "audit-sheet.html")}  (or ${join(out, "audit-sheet.csv")})
  keep apart:          ${join(out, "audit-key.json")}  (automatic verdicts, for the agreement figure)
  then:                npm run eval:audit -- import audit-sheet.csv --key ${join(out, "audit-key.json")}
`);
  } finally {
    await host?.close();
  }
}

async function auditImport(sheet: string | undefined, flags: Record<string, string | true>) {
  if (!sheet) throw new Error(`audit import needs the filled sheet (CSV)\n\n${USAGE}`);
  const keyPath = str(flags.key);
  const key = keyPath ? (JSON.parse(readFileSync(keyPath, "utf8")) as AuditKey) : undefined;
  const result = importSheet(readFileSync(sheet, "utf8"), key);
  const outFile = join(dirname(resolve(sheet)), "audit-result.json");
  writeFileSync(outFile, JSON.stringify({ sheet: resolve(sheet), key: keyPath, ...result }, null, 2));
  process.stdout.write(`${formatAudit(result)}\n  written: ${outFile}\n`);
}

main().catch((err) => {
  process.stderr.write(`eval: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
