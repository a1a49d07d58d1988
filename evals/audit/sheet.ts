import { esc } from "../report/svg";
import type { EvalReport } from "../report/types";
import { wilsonInterval } from "../metrics/stats";
import { VERDICTS, type Verdict } from "../verdict/types";
import { parseCsv, toCsv } from "./csv";

// The brief's audit, by hand: a person scores each answer useful / partly / wrong on a sheet that
// shows only what a user would see (the question, the answer, the passages it cites) — not the
// system, its scores or its automatic verdict. Those stay in a separate key file, so importing the
// filled sheet can also say how often the automatic verdict agreed with the person.

export const SHEET_COLUMNS = ["item", "question", "answer", "sources", "reference", "verdict", "note"] as const;

export interface AuditItem {
  item: string;
  question: string;
  answer: string;
  sources: string;
  reference: string;
}
export interface AuditKeyItem {
  item: string;
  dataset: string;
  questionId: string;
  jobId?: string;
  autoVerdict?: Verdict;
  autoBy?: string;
  autoReason?: string;
}
export interface AuditKey {
  version: 1;
  reportId: string;
  createdAt: string;
  backends: Record<string, string>;
  items: AuditKeyItem[];
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)} …` : s);

/** Sheet rows and the key, from a run's report (items in the sample's order, named A01, A02, ...). */
export function auditSheetFrom(report: EvalReport, opts: { withReference?: boolean } = {}): { items: AuditItem[]; key: AuditKey } {
  const items: AuditItem[] = [];
  const keyItems: AuditKeyItem[] = [];
  const all = report.datasets.flatMap((d) => d.questions.map((q) => ({ d, q })));
  all.forEach(({ d, q }, i) => {
    const item = `A${String(i + 1).padStart(2, "0")}`;
    const answer = q.status === "completed" ? q.answer : `(no answer: the request ${q.status})`;
    const sources = q.citations
      .map((c) => `[${c.n}] ${c.documentKey.split("/").at(-1)}${c.page ? ` p.${c.page}` : ""}: ${clip(c.text.replace(/\s+/g, " "), 400)}`)
      .join("\n");
    const reference =
      opts.withReference === false ? "" : !q.answerable ? "(the documents do not answer this question)" : q.goldAnswers.map((a) => clip(a, 600)).join(" | ");
    items.push({ item, question: q.question, answer, sources, reference });
    keyItems.push({ item, dataset: d.name, questionId: q.id, jobId: q.jobId, autoVerdict: q.verdict, autoBy: q.verdictBy, autoReason: q.verdictReason });
  });
  return { items, key: { version: 1, reportId: report.id, createdAt: new Date().toISOString(), backends: report.backends, items: keyItems } };
}

export function sheetCsv(items: readonly AuditItem[]): string {
  return toCsv([[...SHEET_COLUMNS], ...items.map((i) => [i.item, i.question, i.answer, i.sources, i.reference, "", ""])]);
}

/** A page to score on screen; "Download CSV" saves the filled sheet for import (works offline). */
export function sheetHtml(items: readonly AuditItem[]): string {
  const rows = items.map(
    (i) => `<section data-item="${esc(i.item)}"><h3>${esc(i.item)}. ${esc(i.question)}</h3>
<p class="answer">${esc(i.answer)}</p>${i.sources ? `<details><summary>sources</summary><pre>${esc(i.sources)}</pre></details>` : ""}
${i.reference ? `<details><summary>reference answer (from the dataset)</summary><p>${esc(i.reference)}</p></details>` : ""}
<p>${VERDICTS.map((v) => `<label><input type="radio" name="${esc(i.item)}" value="${v}"> ${v}</label>`).join(" ")} <input class="note" placeholder="note" size="50"></p></section>`,
  );
  const data = JSON.stringify(items).replace(/</g, "\\u003c");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ragline answer audit</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:900px;margin:2rem auto;padding:0 1rem}section{border-bottom:1px solid #ddd;padding:.5rem 0}
.answer{background:#f5f5f5;padding:.5rem;white-space:pre-wrap}pre{white-space:pre-wrap;font-size:13px}</style></head><body>
<h1>Answer audit (${items.length} answers)</h1>
<p>Score each answer as a user would: <b>useful</b> (a user would be satisfied), <b>partly</b> (some truth, but wrong, incomplete or
misleading enough to need a human), <b>wrong</b> (incorrect, hallucinated or empty). Score the output, not how hard the question was.
Then press <button id="dl">Download CSV</button> and give the file back for import.</p>
${rows.join("\n")}
<script>
const items = ${data};
document.getElementById("dl").onclick = () => {
  const q = (s) => /[",\\r\\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  const lines = [${JSON.stringify([...SHEET_COLUMNS])}.join(",")];
  for (const it of items) {
    const sec = document.querySelector('section[data-item="' + it.item + '"]');
    const v = sec.querySelector("input[type=radio]:checked");
    lines.push([it.item, it.question, it.answer, it.sources, it.reference, v ? v.value : "", sec.querySelector(".note").value].map(q).join(","));
  }
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([lines.join("\\r\\n") + "\\r\\n"], { type: "text/csv" }));
  a.download = "audit-sheet.csv";
  a.click();
};
</script></body></html>`;
}

export function parseVerdict(raw: string): Verdict | undefined {
  const v = raw.trim().toLowerCase();
  if (!v) return undefined;
  const hit = VERDICTS.find((x) => x === v || (v.length === 1 && x[0] === v));
  if (!hit) throw new Error(`"${raw}" is not a verdict (useful, partly or wrong)`);
  return hit;
}

export interface AuditResult {
  scored: number;
  unscored: string[];
  counts: Record<Verdict, number>;
  usefulShare?: { value: number; low: number; high: number; n: number };
  /** Against the automatic verdicts in the key, when given. */
  agreement?: { share: number; n: number; confusion: Record<string, number> };
}

/** Reads a filled sheet (CSV); with the key, compares the person's verdicts with the automatic ones. */
export function importSheet(csv: string, key?: AuditKey): AuditResult {
  const [header, ...rows] = parseCsv(csv);
  const col = (name: string) => {
    const i = header.findIndex((h) => h.trim().toLowerCase() === name);
    if (i < 0) throw new Error(`the sheet has no "${name}" column`);
    return i;
  };
  const itemCol = col("item");
  const verdictCol = col("verdict");
  const unscored: string[] = [];
  const human = new Map<string, Verdict>();
  for (const r of rows) {
    const item = r[itemCol]?.trim();
    if (!item) continue;
    let v: Verdict | undefined;
    try {
      v = parseVerdict(r[verdictCol] ?? "");
    } catch (e) {
      throw new Error(`item ${item}: ${(e as Error).message}`);
    }
    if (!v) {
      unscored.push(item);
      continue;
    }
    human.set(item, v);
  }
  return summarizeAudit(human, unscored, key);
}

/** The audit's figures from the person's verdicts by item (the CSV import and the console's audit page both end here). */
export function summarizeAudit(human: ReadonlyMap<string, Verdict>, unscored: string[], key?: AuditKey): AuditResult {
  const counts: Record<Verdict, number> = { useful: 0, partly: 0, wrong: 0 };
  for (const v of human.values()) counts[v]++;
  const scored = counts.useful + counts.partly + counts.wrong;
  const ci = wilsonInterval(counts.useful, scored);
  const result: AuditResult = {
    scored,
    unscored,
    counts,
    usefulShare: scored ? { value: counts.useful / scored, low: ci.low, high: ci.high, n: scored } : undefined,
  };
  if (key) {
    const pairs = key.items.filter((k) => k.autoVerdict && human.has(k.item)).map((k) => [human.get(k.item)!, k.autoVerdict!] as const);
    const confusion: Record<string, number> = {};
    for (const [h, a] of pairs) confusion[`person ${h} / auto ${a}`] = (confusion[`person ${h} / auto ${a}`] ?? 0) + 1;
    result.agreement = { share: pairs.length ? pairs.filter(([h, a]) => h === a).length / pairs.length : 0, n: pairs.length, confusion };
  }
  return result;
}

export function formatAudit(r: AuditResult): string {
  const lines = [`audit: ${r.scored} answers scored${r.unscored.length ? `, ${r.unscored.length} left blank (${r.unscored.join(", ")})` : ""}`];
  lines.push(`  useful ${r.counts.useful} · partly ${r.counts.partly} · wrong ${r.counts.wrong}`);
  if (r.usefulShare)
    lines.push(
      `  useful share ${(r.usefulShare.value * 100).toFixed(1)} %  (95% Wilson CI ${(r.usefulShare.low * 100).toFixed(1)}–${(r.usefulShare.high * 100).toFixed(1)} %, n=${r.usefulShare.n})`,
    );
  if (r.agreement) {
    lines.push(`  agreement with the automatic verdict: ${(r.agreement.share * 100).toFixed(1)} % of ${r.agreement.n}`);
    for (const [k, n] of Object.entries(r.agreement.confusion).sort()) lines.push(`    ${k}: ${n}`);
  }
  return lines.join("\n");
}
