// What the console remembers lives in this tab's sessionStorage only: the API key, the jobs this tab
// submitted (the API has no "my jobs" list; a job id is the handle to follow one), and the verdicts of
// an audit under way (so a reload resumes it). Nothing goes to localStorage.

const KEY = "ragline.apiKey";
const JOBS = "ragline.jobs";
const MAX_JOBS = 50;
/** An audit's verdicts so far, per eval run id; and the run whose audit is open, reopened after a reload. */
const AUDIT = "ragline.audit.";
const AUDIT_OPEN = "ragline.auditOpen";

export const session = {
  /** The API key, "" for anonymous; null when not signed in. */
  key: () => sessionStorage.getItem(KEY),
  signIn: (key) => sessionStorage.setItem(KEY, key),
  signOut() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(JOBS);
    sessionStorage.removeItem(AUDIT_OPEN);
    for (const k of Object.keys(sessionStorage)) if (k.startsWith(AUDIT)) sessionStorage.removeItem(k);
  },
  jobs() {
    try {
      return JSON.parse(sessionStorage.getItem(JOBS) ?? "[]");
    } catch {
      return [];
    }
  },
  auditVerdicts(runId) {
    try {
      return JSON.parse(sessionStorage.getItem(AUDIT + runId) ?? "{}");
    } catch {
      return {};
    }
  },
  saveAuditVerdicts(runId, verdicts) {
    sessionStorage.setItem(AUDIT + runId, JSON.stringify(verdicts));
    sessionStorage.setItem(AUDIT_OPEN, runId);
  },
  /** The audit is summed up: its verdicts are let go. */
  endAudit(runId) {
    sessionStorage.removeItem(AUDIT + runId);
    if (sessionStorage.getItem(AUDIT_OPEN) === runId) sessionStorage.removeItem(AUDIT_OPEN);
  },
  openAudit: () => sessionStorage.getItem(AUDIT_OPEN),
  closeAudit: () => sessionStorage.removeItem(AUDIT_OPEN),
  addJob(job) {
    const jobs = [job, ...session.jobs().filter((j) => j.jobId !== job.jobId)].slice(0, MAX_JOBS);
    sessionStorage.setItem(JOBS, JSON.stringify(jobs));
  },
};
