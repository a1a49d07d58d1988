import { formatGate } from "../gate/compare";
import { barChart, COLORS, esc, pairedBars, stackedBars, type Bar } from "./svg";
import { metricLabel } from "./table";
import type { DatasetReport, EvalReport } from "./types";

// One self-contained HTML page: inline CSS and SVG, no scripts, no network.

export const REPORT_CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}th{background:#f5f5f5}.num{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#fff8e1;border-left:4px solid #f9a825;padding:.5rem 1rem}.useful{color:${COLORS.useful}}.partly{color:#b28704}.wrong{color:${COLORS.wrong}}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}pre{background:#f5f5f5;padding:.5rem;overflow:auto}small{color:#666}`;

export function renderHtml(report: EvalReport): string {
  const verdictRows = report.datasets.map((d) => ({
    label: d.name,
    segments: (["useful", "partly", "wrong", "unscored"] as const).map((v) => ({ name: v, value: d.summary.verdicts[v], color: COLORS[v] })),
  }));
  const body = [
    `<h1>ragline evaluation — ${esc(report.suite ?? report.datasets.map((d) => d.name).join(", "))}</h1>`,
    `<p><small>${esc(report.kind)} ${esc(report.id)} · ${esc(report.startedAt)} · ${report.seconds.toFixed(1)} s · target ${esc(report.target)} · ` +
      `${report.machine.cpus} CPUs, Node ${esc(report.machine.node)}</small></p>`,
    report.notes.length ? `<div class="note">${report.notes.map((n) => `<p>${esc(n)}</p>`).join("")}</div>` : "",
    `<h2>System</h2>${kvTable({ ...report.backends, verdicts: report.verdictMethod, ...Object.fromEntries(Object.entries(report.settings).map(([k, v]) => [k, String(v)])) })}`,
    report.gate ? `<h2>Gate</h2><pre>${esc(formatGate(report.gate))}</pre>` : "",
    `<h2>Verdicts</h2><div class="charts">${stackedBars(verdictRows, { title: "useful / partly / wrong per dataset" })}</div>`,
    ...report.datasets.map(datasetSection),
  ].join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ragline eval ${esc(report.id)}</title><style>${REPORT_CSS}</style></head><body>${body}</body></html>`;
}

function datasetSection(d: DatasetReport): string {
  const s = d.summary;
  const bars: Bar[] = Object.entries(s.metrics).map(([name, m]) => ({ label: metricLabel(name), value: m!.value, text: `${m!.value.toFixed(3)} (n=${m!.n})` }));
  if (s.usefulShare)
    bars.unshift({
      label: "useful share",
      value: s.usefulShare.value,
      text: `${s.usefulShare.value.toFixed(3)} (n=${s.usefulShare.n})`,
      low: s.usefulShare.low,
      high: s.usefulShare.high,
      color: COLORS.useful,
    });
  const stages = Object.entries(s.latency).map(([k, v]) => ({ label: k, a: v.p50, b: v.p95 }));
  const summary = {
    questions: `${s.questions} (${s.completed} completed)`,
    documents: `${d.selection.documents} (${d.ingest.indexed} indexed, ${d.ingest.failed.length} failed, ${d.ingest.duplicates} duplicates; ${d.ingest.uploaded} uploaded, ${d.ingest.unchanged} unchanged; ${d.ingest.seconds.toFixed(1)} s)`,
    selection: JSON.stringify({ limit: d.selection.limit, distractors: d.selection.distractors, sample: d.selection.sample }),
    scope: d.scope + (d.note ? ` — ${d.note}` : ""),
    "useful share": s.usefulShare
      ? `${s.usefulShare.value.toFixed(3)}, 95% Wilson CI [${s.usefulShare.low.toFixed(3)}, ${s.usefulShare.high.toFixed(3)}], n=${s.usefulShare.n}`
      : "-",
    abstained: `${(s.abstainedShare * 100).toFixed(1)} % of completed jobs`,
    license: d.license ?? "-",
  };
  const failed = d.ingest.failed.length
    ? `<p>Documents that failed to ingest: ${d.ingest.failed
        .slice(0, 20)
        .map((f) => `${esc(f.id)} (${esc(f.error)})`)
        .join(", ")}</p>`
    : "";
  return `<h2>${esc(d.name)}</h2>${kvTable(summary)}${failed}
<div class="charts">${barChart(bars, { max: 1, title: "metrics (0–1; useful share with 95% CI)" })}${stages.length ? pairedBars(stages, { names: ["p50", "p95"], title: "latency per stage (ms)", unit: " ms" }) : ""}</div>
<details><summary>${d.questions.length} questions</summary>${questionTable(d)}</details>`;
}

function questionTable(d: DatasetReport): string {
  const rows = d.questions.map(
    (q) =>
      `<tr><td>${esc(q.id)}</td><td class="${q.verdict ?? ""}">${esc(q.verdict ?? "-")}<br><small>${esc(q.verdictReason ?? "")}</small></td>` +
      `<td>${esc(q.question)}${q.answerable ? "" : " <small>(unanswerable)</small>"}</td><td>${esc(clip(q.answer, 500))}${q.status !== "completed" ? ` <small>[${esc(q.status)}: ${esc(q.error ?? "")}]</small>` : ""}</td>` +
      `<td class="num">${fmt(q.scores["recall@10"])}</td><td class="num">${fmt(q.scores.mrr)}</td><td class="num">${fmt(q.scores.token_f1 ?? q.scores.answer_recall)}</td><td class="num">${fmt(q.scores.faithfulness)}</td>` +
      `<td>${esc([...new Set(q.citations.flatMap((c) => c.docIds))].join(", "))}</td><td class="num">${q.latency.endToEndMs ?? "-"}</td></tr>`,
  );
  return `<table><tr><th>id</th><th>verdict</th><th>question</th><th>answer</th><th>R@10</th><th>RR</th><th>F1 / ans. recall</th><th>faithful</th><th>cited docs</th><th>ms</th></tr>${rows.join("")}</table>`;
}

const kvTable = (kv: Record<string, string>) =>
  `<table>${Object.entries(kv)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join("")}</table>`;
const fmt = (x: number | undefined) => (x === undefined ? "-" : x.toFixed(2));
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)} …` : s);
