import { api } from "./lib/api.js";
import { $, showError } from "./lib/dom.js";
import { session } from "./lib/session.js";

// The blind audit of one eval run, a page at a time: the question and the answer, scored useful /
// partly / wrong (keys u, p, w); the sources and the reference show only once scored; Enter goes on.
// At the end the verdicts go to POST /evals/{id}/audit, which sums them up as `npm run eval:audit`
// does (useful share, 95 % Wilson interval, agreement with the automatic verdicts): no maths here.
// Verdicts are kept in the tab's sessionStorage under the run's id as they are given, so a reload
// reopens the audit at the first unscored answer; they are let go once the API has summed them up.

const KEYS = { u: "useful", p: "partly", w: "wrong" };
let state; // { id, items, at, verdicts }

export async function startAudit(id) {
  stopAudit();
  showError($("#audit-error"), null);
  try {
    const { items } = await api("GET", `/evals/${encodeURIComponent(id)}/audit`);
    const known = new Set(items.map((i) => i.item));
    const verdicts = Object.fromEntries(Object.entries(session.auditVerdicts(id)).filter(([item, v]) => known.has(item) && Object.values(KEYS).includes(v)));
    const unscored = items.findIndex((i) => !verdicts[i.item]);
    state = { id, items, at: unscored === -1 ? items.length - 1 : unscored, verdicts };
    session.saveAuditVerdicts(id, verdicts);
  } catch (err) {
    showError($("#audit-error"), err);
    $("#audit").hidden = false;
    return;
  }
  $("#audit-title").textContent = `Audit of ${id}`;
  $("#audit").hidden = false;
  $("#audit-summary").hidden = true;
  $("#audit-item").hidden = false;
  document.addEventListener("keydown", onKey);
  show();
  $("#audit-title").focus();
}

export function stopAudit() {
  document.removeEventListener("keydown", onKey);
  state = undefined;
  $("#audit").hidden = true;
}

export function initAudit() {
  for (const b of document.querySelectorAll("#audit .verdicts button")) b.addEventListener("click", () => score(b.dataset.verdict));
  $("#audit-next").addEventListener("click", next);
}

function onKey(e) {
  if (!state || e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target?.tagName ?? "")) return;
  const verdict = KEYS[e.key.toLowerCase()];
  if (verdict && !$("#audit-item").hidden) {
    e.preventDefault();
    score(verdict);
  } else if (e.key === "Enter" && !$("#audit-next").hidden && e.target !== $("#audit-next")) {
    e.preventDefault();
    next();
  }
}

function show() {
  const item = state.items[state.at];
  const scored = Object.keys(state.verdicts).length;
  $("#audit-progress").textContent = `Answer ${state.at + 1} of ${state.items.length} · ${scored} scored`;
  $("#audit-item").dataset.item = item.item;
  $("#audit-question").textContent = `${item.item}. ${item.question}`;
  $("#audit-answer").textContent = item.answer;
  $("#audit-sources-text").textContent = item.sources || "(no sources cited)";
  $("#audit-reference").textContent = item.reference || "—";
  reveal(state.verdicts[item.item]);
}

function reveal(verdict) {
  for (const b of document.querySelectorAll("#audit .verdicts button")) b.setAttribute("aria-pressed", String(b.dataset.verdict === verdict));
  $("#audit-sources").hidden = !verdict; // blind until scored
  $("#audit-next").hidden = !verdict;
  $("#audit-next").textContent = state.at === state.items.length - 1 ? "Finish" : "Next";
}

function score(verdict) {
  const item = state.items[state.at];
  state.verdicts[item.item] = verdict;
  session.saveAuditVerdicts(state.id, state.verdicts);
  $("#audit-progress").textContent = `Answer ${state.at + 1} of ${state.items.length} · ${Object.keys(state.verdicts).length} scored`;
  reveal(verdict);
}

function next() {
  if (!state?.verdicts[state.items[state.at].item]) return;
  if (state.at < state.items.length - 1) {
    state.at++;
    show();
    $("#audit-question").focus?.();
    return;
  }
  finish();
}

async function finish() {
  const { id, verdicts } = state;
  try {
    const r = await api("POST", `/evals/${encodeURIComponent(id)}/audit`, { body: { verdicts } });
    session.endAudit(id);
    $("#audit-item").hidden = true;
    $("#audit-summary").hidden = false;
    const pct = (x) => `${(x * 100).toFixed(1)} %`;
    $("#audit-share").textContent = r.usefulShare
      ? `Useful: ${pct(r.usefulShare.value)} (95% Wilson CI ${pct(r.usefulShare.low)}–${pct(r.usefulShare.high)}, n=${r.usefulShare.n})`
      : "Nothing scored.";
    $("#audit-text").textContent = r.text;
    $("#audit-progress").textContent = `All ${state.items.length} answers scored`;
  } catch (err) {
    showError($("#audit-error"), err);
  }
}
