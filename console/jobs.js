import { api } from "./lib/api.js";
import { $, fill, h, showError, time } from "./lib/dom.js";
import { session } from "./lib/session.js";
import { follow } from "./ask.js";

// Jobs of this browser session (ids in sessionStorage): status, timings per stage, cancel.

const POLL_MS = 2000;
const ACTIVE = new Set(["pending", "working"]);
let timer;

export function initJobs() {
  $("#jobs-refresh").addEventListener("click", refresh);
}

export function showJobs() {
  refresh();
  clearInterval(timer);
  timer = setInterval(refresh, POLL_MS);
}

export function hideJobs() {
  clearInterval(timer);
}

async function refresh() {
  const jobs = session.jobs();
  const error = $("#jobs-error");
  showError(error, null);
  const states = await Promise.all(
    jobs.map((j) => api("GET", `/queries/${encodeURIComponent(j.jobId)}`).catch((err) => ({ jobId: j.jobId, status: "unavailable", error: err.message }))),
  );
  fill(
    $("#jobs-table tbody"),
    jobs.length ? jobs.map((j, i) => row(j, states[i])) : h("tr", null, h("td", { colspan: "5" }, "No jobs in this session yet: ask a question.")),
  );
  // Polling re-renders the table (and its buttons); it stops once no job can change any more.
  if (!states.some((s) => ACTIVE.has(s.status))) clearInterval(timer);
}

function row(job, state) {
  const timings = Object.entries(state.timings ?? {})
    .map(([stage, ms]) => `${stage} ${ms}`)
    .join(" · ");
  const total = state.createdAt && state.updatedAt ? Date.parse(state.updatedAt) - Date.parse(state.createdAt) : undefined;
  const why = typeof state.error === "string" ? state.error : (state.error?.message ?? state.error?.code);
  return h(
    "tr",
    { "data-job": job.jobId },
    h("td", null, job.question, h("span", { class: "reason muted" }, job.jobId)),
    h("td", { class: `status status-${state.status}` }, state.status, why && h("span", { class: "reason" }, why)),
    h("td", null, timings, total !== undefined ? h("span", { class: "reason muted" }, `total ${total}`) : ""),
    h("td", null, time(job.submittedAt)),
    h(
      "td",
      null,
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            location.hash = "#ask";
            follow(job.jobId);
          },
        },
        "Open",
      ),
      ACTIVE.has(state.status) && h("button", { type: "button", onclick: () => cancel(job.jobId) }, "Cancel"),
    ),
  );
}

async function cancel(jobId) {
  try {
    await api("DELETE", `/queries/${encodeURIComponent(jobId)}`);
  } catch (err) {
    showError($("#jobs-error"), err);
  }
  refresh();
}
