import { api } from "./lib/api.js";
import { $, fill, h, showError, time } from "./lib/dom.js";
import { startAudit, stopAudit } from "./audit.js";
import { session } from "./lib/session.js";

// Evals: the runs the bucket holds (GET /evals, admins only), each run's HTML report
// (GET /evals/{id}/report) in a sandboxed frame (no script, no network, an opaque origin), and the
// blind audit of a run (./audit.js).

export function initEvals() {
  $("#evals-refresh").addEventListener("click", showEvals);
}

export async function showEvals() {
  const error = $("#evals-error");
  try {
    const { runs } = await api("GET", "/evals");
    showError(error, null);
    fill(
      $("#evals-table tbody"),
      runs.length ? runs.map(row) : h("tr", null, h("td", { colspan: "5" }, "No eval runs stored yet (npm run eval, or the daily scheduled run).")),
    );
    // An audit under way when the page was reloaded (or the tab left) goes on where it was.
    const open = session.openAudit();
    if (open && runs.some((r) => r.id === open) && $("#audit").hidden) startAudit(open);
  } catch (err) {
    fill($("#evals-table tbody"));
    showError(error, err.status === 403 ? { message: "Only an admin key may see eval runs." } : err);
  }
}

export function hideEvals() {
  stopAudit();
  $("#report").hidden = true;
  $("#report-frame").removeAttribute("srcdoc");
}

const pct = (x) => `${(x * 100).toFixed(1)} %`;

function row(run) {
  if (run.error)
    return h("tr", { "data-run": run.id }, h("td", { class: "key" }, run.id), h("td", { colspan: "4", class: "error" }, `unreadable: ${run.error}`));
  const datasets = run.datasets.map((d) =>
    h(
      "div",
      null,
      `${d.name}: `,
      d.usefulShare
        ? `${pct(d.usefulShare.value)} [${pct(d.usefulShare.low)}, ${pct(d.usefulShare.high)}], n=${d.usefulShare.n}`
        : `${d.completed}/${d.questions} completed, not scored`,
    ),
  );
  const gate = run.gate
    ? h("span", { class: run.gate.passed ? "status status-completed" : "status status-failed" }, run.gate.passed ? "passed" : "failed")
    : "—";
  return h(
    "tr",
    { "data-run": run.id },
    h("td", { class: "key" }, run.id, h("br"), h("small", null, `${run.kind}${run.suite ? ` · ${run.suite}` : ""} · ${run.verdictMethod}`)),
    h("td", null, `${new Date(run.startedAt).toLocaleDateString()} ${time(run.startedAt)}`, h("br"), h("small", null, `${run.seconds.toFixed(1)} s`)),
    h("td", null, datasets),
    h("td", null, gate),
    h(
      "td",
      null,
      h("button", { type: "button", onclick: () => showReport(run.id) }, "Report"),
      " ",
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            $("#report").hidden = true;
            startAudit(run.id);
          },
        },
        "Audit",
      ),
    ),
  );
}

async function showReport(id) {
  stopAudit();
  session.closeAudit(); // its verdicts stay: opening it again resumes it
  const error = $("#evals-error");
  try {
    const html = await api("GET", `/evals/${encodeURIComponent(id)}/report`);
    showError(error, null);
    $("#report-title").textContent = `Report ${id}`;
    // srcdoc in a frame sandboxed without allow-scripts / allow-same-origin: the page is shown, never run.
    $("#report-frame").srcdoc = html;
    $("#report").hidden = false;
    $("#report-title").focus();
  } catch (err) {
    showError(error, err);
  }
}
