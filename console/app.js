import { api } from "./lib/api.js";
import { $, showError } from "./lib/dom.js";
import { session } from "./lib/session.js";
import { hideDocuments, initDocuments, showDocuments } from "./documents.js";
import { initAsk, showAsk } from "./ask.js";
import { hideJobs, initJobs, showJobs } from "./jobs.js";
import { initIndexPage, showIndexPage } from "./index-page.js";
import { hideEvals, initEvals, showEvals } from "./evals.js";
import { initAudit } from "./audit.js";

// The console's shell: sign-in, then five tabs chosen by the URL's hash. No endpoint returns the
// caller's principal, so sign-in shows what the API says about the key: accepted or refused (a
// probe of GET /documents), and whether it administers (GET /health shows backends only to admins).

const TABS = {
  documents: [showDocuments, hideDocuments],
  ask: [showAsk, () => {}],
  jobs: [showJobs, hideJobs],
  index: [showIndexPage, () => {}],
  evals: [showEvals, hideEvals],
};

async function probe(key) {
  await api("GET", "/documents?limit=1", { key });
  const health = await api("GET", "/health", { key }).catch(() => undefined);
  return { admin: Boolean(health?.backends) };
}

function signedIn(key, { admin }) {
  const who = key ? `API key …${key.slice(-4)} accepted` : "anonymous (no key; this host allows it)";
  $("#who").textContent = `Signed in: ${who}${admin ? " · admin" : ""}`;
  $("#signin").hidden = true;
  $("#nav").hidden = false;
  $("#sign-out").hidden = false;
  route();
}

function signedOut(message) {
  for (const [, hide] of Object.values(TABS)) hide();
  for (const id of Object.keys(TABS)) $(`#${id}`).hidden = true;
  $("#signin").hidden = false;
  $("#nav").hidden = true;
  $("#sign-out").hidden = true;
  $("#who").textContent = "";
  showError($("#signin-error"), message ? { message } : null);
  $("#api-key").focus();
}

function route() {
  if (session.key() === null) return;
  const tab = location.hash.slice(1) in TABS ? location.hash.slice(1) : "documents";
  for (const [id, [show, hide]] of Object.entries(TABS)) {
    const active = id === tab;
    $(`#${id}`).hidden = !active;
    document.querySelector(`nav a[data-tab="${id}"]`)?.toggleAttribute("aria-current", active);
    if (active) document.querySelector(`nav a[data-tab="${id}"]`)?.setAttribute("aria-current", "page");
    (active ? show : hide)();
  }
}

async function signIn(key) {
  try {
    const info = await probe(key);
    session.signIn(key);
    signedIn(key, info);
  } catch (err) {
    signedOut(err.status === 401 ? `Sign-in refused: ${err.message}` : err.message);
  }
}

initDocuments();
initAsk();
initJobs();
initIndexPage();
initEvals();
initAudit();
$("#signin-form").addEventListener("submit", (e) => {
  e.preventDefault();
  signIn($("#api-key").value.trim());
});
// Signing out forgets the key and the session's jobs, and reloads so that nothing the last principal saw stays on the page.
$("#sign-out").addEventListener("click", () => {
  session.signOut();
  location.replace(location.pathname);
});
window.addEventListener("hashchange", route);
const stored = session.key();
if (stored === null) signedOut();
else signIn(stored);
