import { api, documentPath, query } from "./lib/api.js";
import { $, fill, h, list, showError, time } from "./lib/dom.js";
import { config } from "./lib/config.js";

// Documents: upload (file input or drop) with metadata and ACL straight to the bucket through an upload
// URL (POST /uploads, then one PUT: the bytes never pass through the API), the list with live status
// (polled while the tab is shown), filters, counts, a document's chunks, retry, delete.

const POLL_MS = 1500;
const PAGE = 50;
let timer;
let filters = { prefix: "", status: "" };
let loaded = PAGE;
const rows = new Map(); // key → <tr>, updated in place so polling keeps focus and selection

export function initDocuments() {
  const form = $("#upload-form");
  const input = $("#upload-files");
  const zone = $("#drop-zone");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    upload([...input.files]).then(() => {
      input.value = "";
    });
  });
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    upload([...(e.dataTransfer?.files ?? [])]);
  });
  zone.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      input.click();
    }
  });
  $("#doc-filters").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    filters = { prefix: String(f.get("prefix") ?? ""), status: String(f.get("status") ?? "") };
    loaded = PAGE;
    refresh();
  });
  $("#doc-more").addEventListener("click", () => {
    loaded += PAGE;
    refresh();
  });
}

export function showDocuments() {
  refresh();
  clearInterval(timer);
  timer = setInterval(refresh, POLL_MS);
}

export function hideDocuments() {
  clearInterval(timer);
}

/** The metadata fields as POST /uploads takes them (lists as arrays). */
function metadataOf(f) {
  const metadata = {};
  for (const name of ["department", "date"]) if (String(f.get(name) ?? "").trim()) metadata[name] = String(f.get(name)).trim();
  for (const name of ["tags", "acl"]) {
    const v = list(f.get(name));
    if (v.length) metadata[name] = v;
  }
  return metadata;
}

async function upload(files) {
  const log = $("#upload-log");
  if (!files.length) {
    log.prepend(h("li", { class: "error" }, "Choose or drop at least one file."));
    return;
  }
  const f = new FormData($("#upload-form"));
  const prefix = String(f.get("prefix") ?? "").trim();
  const metadata = metadataOf(f);
  for (const file of files) {
    const key = prefix + file.name;
    const item = h("li", null, `${key}: uploading…`);
    log.prepend(item);
    try {
      const contentType = file.type || "application/octet-stream";
      const ticket = await api("POST", "/uploads", { body: { key, contentType, size: file.size, metadata } });
      await putToUrl(ticket, file);
      item.textContent = `${key}: uploaded (pending)`;
    } catch (err) {
      item.className = "error";
      item.textContent = `${key}: ${err.message}`;
    }
  }
  refresh();
}

/** The one PUT the upload URL allows, with exactly its headers (no API key: the URL is the credential). */
async function putToUrl({ url, method, headers }, file) {
  const target = new URL(url, config.apiUrl || location.href);
  // The host's own URL, where it serves this page: same origin, whatever scheme or name a proxy in front of it shows.
  const href = !config.apiUrl && target.host === location.host ? target.pathname + target.search : target.href;
  let res;
  try {
    res = await fetch(href, { method, headers, body: file });
  } catch (err) {
    throw new Error(`cannot reach the upload URL: ${err.message}`);
  }
  if (!res.ok) {
    const text = await res.text();
    let message = text;
    try {
      message = JSON.parse(text).error?.message ?? text;
    } catch {
      /* S3 answers XML */
    }
    throw new Error(`upload refused (${res.status}): ${message.slice(0, 300)}`);
  }
}

async function refresh() {
  const error = $("#doc-error");
  try {
    const page = await api("GET", `/documents${query({ ...filters, limit: loaded })}`);
    showError(error, null);
    render(page);
  } catch (err) {
    showError(error, err);
  }
}

function render({ documents = [], counts = {}, next }) {
  fill(
    $("#doc-counts"),
    Object.entries(counts).map(([status, n]) => h("span", { "data-status": status }, `${status}: ${n}`)),
  );
  const tbody = $("#doc-table tbody");
  const seen = new Set();
  documents.forEach((doc, i) => {
    seen.add(doc.key);
    let row = rows.get(doc.key);
    if (!row) {
      row = newRow(doc.key);
      rows.set(doc.key, row);
    }
    updateRow(row, doc);
    if (tbody.children[i] !== row) tbody.insertBefore(row, tbody.children[i] ?? null);
  });
  for (const [key, row] of rows)
    if (!seen.has(key)) {
      row.remove();
      rows.delete(key);
    }
  $("#doc-more").hidden = !next;
}

function newRow(key) {
  return h(
    "tr",
    { "data-key": key },
    h("td", { class: "key" }, key),
    h("td", { class: "status" }),
    h("td", { class: "chunks" }),
    h("td", { class: "updated" }),
    h(
      "td",
      null,
      h("button", { type: "button", onclick: () => showChunks(key) }, "Chunks"),
      " ",
      h("button", { type: "button", onclick: () => retry(key) }, "Retry"),
      " ",
      h("button", { type: "button", onclick: () => remove(key) }, "Delete"),
    ),
  );
}

function updateRow(row, doc) {
  const [, status, chunks, updated] = row.children;
  const reason = doc.error
    ? typeof doc.error === "string"
      ? doc.error
      : (doc.error.message ?? JSON.stringify(doc.error))
    : doc.duplicateOf
      ? `duplicate of ${doc.duplicateOf}`
      : "";
  status.className = `status status-${doc.status}`;
  if (status.dataset.text !== doc.status + reason) {
    status.dataset.text = doc.status + reason;
    fill(status, doc.status, reason && h("span", { class: "reason" }, reason));
  }
  chunks.textContent = doc.chunks ?? "";
  updated.textContent = time(doc.updatedAt);
}

async function showChunks(key) {
  const panel = $("#chunks");
  panel.hidden = false;
  $("#chunks-title").textContent = `Chunks of ${key}`;
  const out = $("#chunk-list");
  fill(out, h("li", null, "loading…"));
  try {
    const { chunks = [] } = await api("GET", `${documentPath(key)}/chunks`);
    fill(
      out,
      chunks.length
        ? chunks.map((c) =>
            h(
              "li",
              { "data-chunk": c.id },
              h(
                "div",
                { class: "where" },
                [c.page !== undefined ? `page ${c.page}` : "no page", (c.sectionPath ?? []).join(" › ")].filter(Boolean).join(" · "),
              ),
              h("div", { class: "text" }, c.text),
            ),
          )
        : h("li", null, "no chunks (yet)"),
    );
  } catch (err) {
    fill(out, h("li", { class: "error" }, err.message));
  }
}

/** Ingest again from the object (a failed or stuck document): POST /documents/{key}/retry. */
async function retry(key) {
  try {
    await api("POST", `${documentPath(key)}/retry`);
  } catch (err) {
    showError($("#doc-error"), err);
  }
  refresh();
}

async function remove(key) {
  if (!confirm(`Delete ${key}? Its chunks leave the index.`)) return;
  try {
    await api("DELETE", documentPath(key));
  } catch (err) {
    showError($("#doc-error"), err);
  }
  refresh();
}
