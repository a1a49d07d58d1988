// What the console remembers lives in this tab's sessionStorage only: the API key, and the jobs
// this tab submitted (the API has no "my jobs" list; a job id is the handle to follow one).

const KEY = "ragline.apiKey";
const JOBS = "ragline.jobs";
const MAX_JOBS = 50;

export const session = {
  /** The API key, "" for anonymous; null when not signed in. */
  key: () => sessionStorage.getItem(KEY),
  signIn: (key) => sessionStorage.setItem(KEY, key),
  signOut() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(JOBS);
  },
  jobs() {
    try { return JSON.parse(sessionStorage.getItem(JOBS) ?? "[]"); } catch { return []; }
  },
  addJob(job) {
    const jobs = [job, ...session.jobs().filter((j) => j.jobId !== job.jobId)].slice(0, MAX_JOBS);
    sessionStorage.setItem(JOBS, JSON.stringify(jobs));
  },
};
