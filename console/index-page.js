import { api } from "./lib/api.js";
import { $, fill, h, showError } from "./lib/dom.js";

// Index: the embedding model rollout (GET /index/rollout, admins only) and the staleness report
// (GET /documents?stale=true, of the documents the caller may read).

export function initIndexPage() {
  $("#index-refresh").addEventListener("click", showIndexPage);
}

export async function showIndexPage() {
  await Promise.all([rollout(), stale()]);
}

async function rollout() {
  const out = $("#rollout");
  try {
    const r = await api("GET", "/index/rollout");
    const pct = Math.round((r.progress ?? 0) * 100);
    out.textContent =
      `${r.state}: serving ${r.serving}, target ${r.target}; ${r.covered ?? 0} of ${r.chunks ?? 0} chunks embedded with the target (${pct}%)` +
      (r.retrieval ? `; fusion BM25 ${r.retrieval.bm25Weight} / vector ${r.retrieval.vectorWeight} (${r.retrieval.chosenBy})` : "");
  } catch (err) {
    out.textContent = err.status === 403 ? "Only an admin key may see the rollout." : err.message;
  }
}

async function stale() {
  const error = $("#stale-error");
  try {
    const { stale: docs = [] } = await api("GET", "/documents?stale=true");
    showError(error, null);
    fill(
      $("#stale-table tbody"),
      docs.length
        ? docs.map((d) =>
            h(
              "tr",
              { "data-key": d.key },
              h("td", { class: "key" }, d.key),
              h("td", { class: `status status-${d.status}` }, d.status ?? ""),
              h("td", null, (d.reasons ?? []).join("; ")),
            ),
          )
        : h("tr", null, h("td", { colspan: "3" }, "Nothing stale: every document's index matches its source.")),
    );
  } catch (err) {
    showError(error, err);
  }
}
