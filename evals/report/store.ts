import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ObjectStore } from "../../shared/ports/object-store";
import { renderHtml } from "./html";
import type { EvalReport } from "./types";

// Where reports go: a local folder (the CLI), and the bucket's reports area `.reports/evals/`
// (the scheduled function, or a CLI run on a persistent data dir). The leading dot keeps the folder
// bucket's notifications from ingesting reports as documents.

export const REPORTS_PREFIX = ".reports/evals/";

export function writeReportFiles(dir: string, report: EvalReport): { json: string; html: string } {
  const runDir = join(dir, report.id);
  mkdirSync(runDir, { recursive: true });
  const json = join(runDir, "report.json");
  const html = join(runDir, "report.html");
  writeFileSync(json, JSON.stringify(report, null, 2));
  writeFileSync(html, renderHtml(report));
  writeFileSync(join(dir, "latest.json"), JSON.stringify({ id: report.id, json, html }, null, 2));
  return { json, html };
}

export async function writeReportToBucket(objects: ObjectStore, report: EvalReport): Promise<{ json: string; html: string }> {
  const json = `${REPORTS_PREFIX}${report.id}/report.json`;
  const html = `${REPORTS_PREFIX}${report.id}/report.html`;
  await objects.put(json, Buffer.from(JSON.stringify(report, null, 2)), { contentType: "application/json" });
  await objects.put(html, Buffer.from(renderHtml(report)), { contentType: "text/html; charset=utf-8" });
  await objects.put(`${REPORTS_PREFIX}latest.json`, Buffer.from(JSON.stringify({ id: report.id, json, html, passed: report.gate?.passed })), {
    contentType: "application/json",
  });
  return { json, html };
}
