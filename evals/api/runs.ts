import { z } from "zod";
import { NotFoundError, ValidationError } from "../../shared/domain/errors";
import type { ObjectStore } from "../../shared/ports/object-store";
import { auditSheetFrom, summarizeAudit, type AuditItem, type AuditResult } from "../audit/sheet";
import { renderHtml } from "../report/html";
import { REPORTS_PREFIX } from "../report/store";
import type { EvalReport } from "../report/types";
import { VERDICTS, type Verdict } from "../verdict/types";

// The eval runs the bucket holds (`.reports/evals/<id>/`, written by evals/report/store.ts), for the
// API's admin routes: the list, one run's summary and HTML report, and the blind audit of a run as a
// page: its items without verdicts, and the person's verdicts summed up exactly as
// `npm run eval:audit -- import` does (evals/audit/sheet.ts summarizeAudit).

/** A run id as the runs name themselves (an ISO time and a kind): nothing that could leave the reports folder. */
export const runIdSchema = z
  .string()
  .regex(/^[\w.-]{1,200}$/, "must be a run id such as 2026-11-30T10-18-29-981Z-gate")
  .refine((s) => !/^\.+$/.test(s), "must be a run id");

export interface RunSummary {
  id: string;
  kind: EvalReport["kind"];
  suite?: string;
  startedAt: string;
  seconds: number;
  verdictMethod: string;
  gate?: { passed: boolean; problems: string[] };
  datasets: { name: string; questions: number; completed: number; usefulShare?: { value: number; low: number; high: number; n: number } }[];
}

const reportKey = (id: string) => `${REPORTS_PREFIX}${id}/report.json`;

function summary(r: EvalReport): RunSummary {
  return {
    id: r.id,
    kind: r.kind,
    suite: r.suite,
    startedAt: r.startedAt,
    seconds: r.seconds,
    verdictMethod: r.verdictMethod,
    gate: r.gate ? { passed: r.gate.passed, problems: r.gate.problems } : undefined,
    datasets: r.datasets.map((d) => ({ name: d.name, questions: d.summary.questions, completed: d.summary.completed, usefulShare: d.summary.usefulShare })),
  };
}

/** The stored report of a run; 404 for a run that is not there. */
export async function loadRun(objects: ObjectStore, id: string): Promise<EvalReport> {
  const got = await objects.get(reportKey(id));
  if (!got) throw new NotFoundError(`eval run ${id}`);
  return JSON.parse(got.body.toString("utf8")) as EvalReport;
}

/** Every stored run, newest first (at most `limit`); a report that cannot be read is listed with why. */
export async function listRuns(objects: ObjectStore, limit = 100): Promise<(RunSummary | { id: string; error: string })[]> {
  const ids: string[] = [];
  for await (const o of objects.list(REPORTS_PREFIX)) {
    const m = /^([^/]+)\/report\.json$/.exec(o.key.slice(REPORTS_PREFIX.length));
    if (m && runIdSchema.safeParse(m[1]).success) ids.push(m[1]);
  }
  // Run ids begin with their start time, so their order is the runs' order.
  const newest = ids.sort().reverse().slice(0, limit);
  return Promise.all(
    newest.map(async (id) => {
      try {
        return summary(await loadRun(objects, id));
      } catch (err) {
        return { id, error: (err as Error).message };
      }
    }),
  );
}

export async function runSummary(objects: ObjectStore, id: string): Promise<RunSummary> {
  return summary(await loadRun(objects, id));
}

/** The run's HTML report as stored, or rendered again from its JSON where only that was kept. */
export async function runReportHtml(objects: ObjectStore, id: string): Promise<string> {
  const stored = await objects.get(`${REPORTS_PREFIX}${id}/report.html`);
  return stored ? stored.body.toString("utf8") : renderHtml(await loadRun(objects, id));
}

/** The audit sheet of a run: what the person sees (question, answer, sources, reference), never the automatic verdicts. */
export async function auditItems(objects: ObjectStore, id: string): Promise<{ reportId: string; items: AuditItem[] }> {
  return { reportId: id, items: auditSheetFrom(await loadRun(objects, id)).items };
}

export const auditVerdictsSchema = z.object({ verdicts: z.record(z.string().max(20), z.enum(VERDICTS as [Verdict, ...Verdict[]])) }).strict();

/** The person's verdicts summed up, with the agreement against the run's automatic verdicts; items the sheet lacks are a 400. */
export async function scoreAudit(objects: ObjectStore, id: string, verdicts: Record<string, Verdict>): Promise<AuditResult> {
  const { items, key } = auditSheetFrom(await loadRun(objects, id));
  const known = new Set(items.map((i) => i.item));
  const strangers = Object.keys(verdicts).filter((k) => !known.has(k));
  if (strangers.length)
    throw new ValidationError(
      `run ${id} has no audit item ${strangers[0]}`,
      strangers.map((k) => ({ field: `body.verdicts.${k}`, message: "no such item" })),
    );
  const human = new Map(items.filter((i) => verdicts[i.item]).map((i) => [i.item, verdicts[i.item]]));
  return summarizeAudit(
    human,
    items.filter((i) => !verdicts[i.item]).map((i) => i.item),
    key,
  );
}
