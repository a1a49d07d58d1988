import { api } from "./lib/api.js";
import { $, fill, h, list, showError } from "./lib/dom.js";
import { applyToAnswer, followJob } from "./lib/job-stream.js";
import { session } from "./lib/session.js";
import { openCitation, resetViewer } from "./pdf-view.js";

// Ask: POST /queries, then the job's events over the WebSocket: stages as they happen, the answer
// token by token, and on `done` the answer with its [n] citations, abstention and unsupported sentences.

let current;
let cited = new Map(); // n → citation of the answer on screen

export function initAsk() {
  $("#ask-form").addEventListener("submit", (e) => {
    e.preventDefault();
    ask(new FormData(e.target));
  });
}

function request(f) {
  const filters = {};
  for (const name of ["keyPrefix", "department", "dateFrom", "dateTo"]) if (String(f.get(name) ?? "").trim()) filters[name] = String(f.get(name)).trim();
  const tags = list(f.get("tags"));
  if (tags.length) filters.tags = tags;
  const topK = Number(f.get("topK"));
  return { question: String(f.get("question") ?? ""), ...(Object.keys(filters).length ? { filters } : {}), ...(topK ? { topK } : {}) };
}

async function ask(f) {
  const error = $("#ask-error");
  showError(error, null);
  current?.stop();
  current = undefined;
  resetPanel("submitting"); // the previous answer (its stages, its "done") no longer stands
  const body = request(f);
  let job;
  try {
    job = await api("POST", "/queries", { body });
  } catch (err) {
    $("#answer").dataset.state = "refused";
    showError(error, err);
    return;
  }
  session.addJob({ jobId: job.jobId, question: body.question, submittedAt: new Date().toISOString() });
  follow(job.jobId);
}

/** On showing the tab: the question box focused, and after a reload the session's latest job followed again (its log replays from seq 0). */
export function showAsk() {
  const latest = session.jobs()[0];
  if (!current && latest) follow(latest.jobId);
  $("#question").focus();
}

export function follow(jobId) {
  current?.stop();
  resetPanel("streaming");
  $("#answer-panel").hidden = false;
  $("#answer-job").textContent = `job ${jobId}`;
  const answerEl = $("#answer");
  let text = "";
  current = followJob(jobId, {
    onState: (s) => {
      $("#stream-state").textContent = s;
    },
    onError: (e) => showError($("#ask-error"), { message: `${e.code}: ${e.message}` }),
    onFrame: (frame) => {
      if (frame.type === "stage") stage(frame.data);
      if (frame.type === "retrieved") stage({ stage: "retrieved", status: `${frame.data?.chunks?.length ?? 0} chunks` });
      if (frame.type === "delta" || frame.type === "stage") {
        const next = applyToAnswer(text, frame);
        if (next !== text) {
          text = next;
          answerEl.textContent = text;
        }
      }
      if (frame.type === "done") finish(frame.data);
      if (frame.type === "failed") {
        answerEl.dataset.state = "failed";
        showError($("#ask-error"), { message: `failed: ${reason(frame.data)}` });
      }
      if (frame.type === "cancelled") {
        answerEl.dataset.state = "cancelled";
        showError($("#ask-error"), { message: "the job was cancelled" });
      }
    },
  });
}

function resetPanel(state) {
  cited = new Map();
  resetViewer();
  $("#answer-job").textContent = "";
  fill($("#stages"));
  fill($("#citations"));
  $("#abstained").hidden = true;
  $("#unsupported-note").hidden = true;
  $("#stream-state").textContent = "";
  $("#answer").textContent = "";
  $("#answer").dataset.state = state;
}

const reason = (d) => (typeof d?.error === "string" ? d.error : (d?.error?.message ?? d?.reason ?? JSON.stringify(d ?? {})));

function stage({ stage, status, ms }) {
  const list = $("#stages");
  let item = [...list.children].find((li) => li.dataset.stage === stage);
  if (!item) {
    item = h("li", { "data-stage": stage });
    list.append(item);
  }
  item.className = status;
  item.textContent = `${stage}: ${status}${ms !== undefined ? ` ${ms} ms` : ""}`;
}

function finish(result) {
  const answerEl = $("#answer");
  const citations = result.citations ?? [];
  cited = new Map(citations.map((c) => [c.n, c]));
  fill(answerEl, answerNodes(result.answer ?? "", result.unsupportedSentences ?? [], new Set(citations.map((c) => c.n))));
  answerEl.dataset.state = "done";
  $("#abstained").hidden = !result.abstained;
  $("#unsupported-note").hidden = !(result.unsupportedSentences ?? []).length;
  fill(
    $("#citations"),
    citations.map((c) =>
      h(
        "li",
        { id: `cite-${c.n}`, value: c.n, tabindex: "-1", "data-key": c.documentKey },
        h("strong", null, c.documentKey),
        c.page !== undefined ? ` · page ${c.page}` : "",
        c.sectionPath?.length ? ` · ${c.sectionPath.join(" › ")}` : "",
        " ",
        h(
          "button",
          { type: "button", class: "open-source", onclick: () => openCitation(c) },
          c.page !== undefined && /\.pdf$/i.test(c.documentKey) ? `Show page ${c.page}` : "Show source",
        ),
        h("blockquote", null, c.text.length > 400 ? `${c.text.slice(0, 400)}…` : c.text),
      ),
    ),
  );
}

/** The answer as text nodes, with unsupported sentences in <mark> and [n] as buttons to the citation. */
function answerNodes(answer, unsupported, known) {
  const ranges = [];
  for (const s of unsupported) {
    const at = answer.indexOf(s);
    if (at >= 0 && !ranges.some(([a, b]) => at < b && at + s.length > a)) ranges.push([at, at + s.length]);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const out = [];
  let pos = 0;
  for (const [a, b] of ranges) {
    out.push(...withCitations(answer.slice(pos, a), known));
    out.push(h("mark", { class: "unsupported", title: "not supported by the sources it cites" }, withCitations(answer.slice(a, b), known)));
    pos = b;
  }
  out.push(...withCitations(answer.slice(pos), known));
  return out;
}

function withCitations(text, known) {
  return text
    .split(/(\[\d+\])/)
    .filter(Boolean)
    .map((part) => {
      const n = Number(/^\[(\d+)\]$/.exec(part)?.[1]);
      if (!known.has(n)) return part;
      return h("button", { type: "button", class: "cite", "aria-label": `citation ${n}`, onclick: () => openCitation(cited.get(n)) }, part);
    });
}
