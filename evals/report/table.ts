import type { EvalReport } from "./types";

// The plain-text summary `npm run eval` prints.

const METRIC_LABELS: Record<string, string> = {
  "recall@5": "recall@5",
  "recall@10": "recall@10",
  mrr: "MRR",
  "ndcg@10": "nDCG@10",
  exact_match: "exact match",
  token_f1: "token F1",
  answer_recall: "answer recall",
  citation_precision: "citation precision",
  faithfulness: "faithfulness",
  abstention_correct: "abstention accuracy",
  page_hit: "page hit",
  cited_page: "cited page",
};

export const metricLabel = (name: string) => METRIC_LABELS[name] ?? name;

export function formatTable(report: EvalReport): string {
  const out: string[] = [];
  out.push(
    `backends: ${
      Object.entries(report.backends)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ") || "(no completed job)"
    }`,
  );
  out.push(`verdicts by ${report.verdictMethod}; target ${report.target}; ${report.seconds.toFixed(1)} s`);
  for (const d of report.datasets) {
    const s = d.summary;
    out.push("");
    out.push(
      `${d.name}: ${s.questions} questions (${s.completed} completed${s.notCompleted ? `, ${s.notCompleted} NOT completed` : ""}), ` +
        `${d.selection.documents} documents (${d.ingest.indexed} indexed, ${d.ingest.failed.length} failed, ${d.ingest.duplicates} duplicates), scope ${d.scope}`,
    );
    const u = s.usefulShare;
    out.push(`  ${"useful share".padEnd(20)} ${u ? `${u.value.toFixed(3)}  95% CI [${u.low.toFixed(3)}, ${u.high.toFixed(3)}]  n=${u.n}` : "-"}`);
    out.push(
      `  ${"verdicts".padEnd(20)} useful ${s.verdicts.useful} · partly ${s.verdicts.partly} · wrong ${s.verdicts.wrong}${s.verdicts.unscored ? ` · unscored ${s.verdicts.unscored}` : ""}`,
    );
    for (const [name, m] of Object.entries(s.metrics)) out.push(`  ${metricLabel(name).padEnd(20)} ${m!.value.toFixed(3)}  n=${m!.n}`);
    out.push(`  ${"abstained".padEnd(20)} ${(s.abstainedShare * 100).toFixed(1)} % of completed jobs`);
    const lat = Object.entries(s.latency);
    if (lat.length) out.push(`  ${"latency ms p50/p95".padEnd(20)} ${lat.map(([k, v]) => `${k} ${Math.round(v.p50)}/${Math.round(v.p95)}`).join(", ")}`);
  }
  for (const n of report.notes) out.push(`note: ${n}`);
  return out.join("\n");
}
