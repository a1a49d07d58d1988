import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { request as httpRequest } from "node:http";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, startHostProcess, type HostProcess } from "../helpers/host-process";
import { StandInInferenceHost } from "../helpers/inference-server";
import { tempDir } from "../helpers/tmp";
import { writeReportToBucket } from "../../evals/report/store";
import { FolderObjectStore } from "../../shared/adapters/embedded/folder-object-store";
import { loadConfig } from "../../shared/runtime/config";
import { DATASETS } from "../helpers/datasets";
import { evalReport, REPORT_QUESTIONS } from "../helpers/eval-report";
import { pdfBuffer } from "../unit/ingest/pdf-fixtures";

// The web console in Debian's Chromium (driven by playwright-core), against a real host started as a
// child process on the embedded default, with auth required. Generation is the STAND-IN chat model
// (test/helpers/inference-server.ts, OpenAI-compatible SSE over loopback) so that the answer streams
// in several deltas, as a real LLM's does; everything else is the host's own.
// No Chromium is a failure, not a skip: install it with `apt-get install chromium` (.ci/apt-packages.txt).

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Flags per /work/.library/env/machines/node.md: the machine's closed network refuses Chromium's background calls.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const KEY = "console-test-key-alice-0001";
const BOB = "console-test-key-bob-00002"; // same tenant, not in the "hr" group
const XSS_NAME = `<img src=x onerror="window.__xss='key'">.txt`;
const XSS_TEXT = `Badge rules. <img src=x onerror="window.__xss='chunk'"> Visitors wear a red badge <script>window.__xss='script'</script> at all times.`;

// Callbacks passed to page.evaluate / addInitScript run in Chromium, not in Node: their DOM globals are the page's.
// Typed loosely here, in this file only (the project compiles without the DOM library).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any,
  document: any,
  sessionStorage: any,
  localStorage: any,
  DataTransfer: any,
  DragEvent: any,
  MutationObserver: any,
  getComputedStyle: any;

/** Records every WebSocket the page opens: what it sent and the seq of each frame it got (installed before the page's own code runs). */
function recordSockets() {
  window.__sockets = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      const rec = { sent: [] as string[], seqs: [] as number[], socket: this };
      window.__sockets.push(rec);
      this.addEventListener("message", (m: { data: unknown }) => {
        try {
          const f = JSON.parse(String(m.data));
          if (typeof f.seq === "number") rec.seqs.push(f.seq);
        } catch {
          /* not a job frame */
        }
      });
      const send = this.send.bind(this);
      this.send = (d: unknown) => {
        rec.sent.push(String(d));
        send(d);
      };
    }
  };
}

// Screenshots of each screen: into docs/screenshots/ with RAGLINE_SCREENSHOTS=1 (the README shows them),
// else into the test's temp dir, so a plain run leaves the tree as it found it.
const SCREENSHOTS = process.env.RAGLINE_SCREENSHOTS ? join(import.meta.dirname, "..", "..", "docs", "screenshots") : undefined;
const RUN = "2026-11-30T10-18-29-981Z-audit";
/** Page-weight budget (README, console section): bytes the console loads before sign-in, and pdf.js, fetched once a citation is opened. */
const FIRST_LOAD_BUDGET = 80 * 1024;
const PDFJS_BUDGET = 1.8 * 1024 * 1024;

/** How long ingestion or a slowed answer may take on a loaded machine. */
const SLOW = 90_000;
/** expect.poll with room for a loaded 2-core CI machine (its default is 1 s). */
const poll = <T>(fn: () => Promise<T> | T, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });

function rawGet(url: string, path: string): Promise<{ status: number; type?: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    httpRequest({ host: hostname, port, path }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] }));
    })
      .on("error", reject)
      .end();
  });
}

// Upper bounds, not expectations: the shared 2-core CI machine can be loaded many times over (ingestion took >20 s at load 14).
describe("web console in Chromium against a real host (stand-in LLM for streamed generation)", { timeout: 180_000 }, () => {
  let t: ReturnType<typeof tempDir>;
  let llm: StandInInferenceHost;
  let host: HostProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  /** What the page sent: method, path and whether it carried the API key. */
  const sent: { method: string; path: string; withKey: boolean }[] = [];
  const auth = { "x-api-key": KEY };
  /** Every response the page got: path and body bytes (for the page weight). */
  const loaded: { path: string; bytes: number }[] = [];
  let shots: string;
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    // Fails (not skips) where Chromium is missing: the console has no other test of its own.
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (see .ci/apt-packages.txt)`);
    t = tempDir();
    shots = SCREENSHOTS ?? join(t.dir, "screenshots");
    mkdirSync(shots, { recursive: true });
    llm = await StandInInferenceHost.start();
    llm.streamEventDelayMs = 60; // > the job's 40 ms delta batching: several deltas per answer
    const browserReady = chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    host = await startHostProcess(t.dir, {
      RAGLINE_AUTH: "required",
      RAGLINE_API_KEYS: JSON.stringify([
        { key: KEY, tenant: "default", subject: "alice", groups: ["hr"], roles: ["reader", "writer", "admin"] },
        { key: BOB, tenant: "default", subject: "bob", groups: [], roles: ["reader"] },
      ]),
      RAGLINE_GENERATOR: "openai",
      RAGLINE_LLM_URL: llm.url,
      RAGLINE_LLM_MODEL: "standin/llm",
      RAGLINE_QUERY_TRANSFORM: "off",
      LOG_LEVEL: "WARN", // kept in memory; printed when a test fails (below)
    });
    browser = await browserReady;
    context = await browser.newContext();
    await context.addInitScript(recordSockets);
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("request", (r) => sent.push({ method: r.method(), path: new URL(r.url()).pathname, withKey: "x-api-key" in r.headers() }));
    page.on("response", (r) => {
      r.body().then(
        (b) => loaded.push({ path: new URL(r.url()).pathname, bytes: b.length }),
        () => {},
      );
    });
    // An eval run in the host's bucket, as a run stores it (evals/report/store.ts), for the Evals and Audit tabs.
    await writeReportToBucket(new FolderObjectStore(loadConfig({ RAGLINE_DATA_DIR: t.dir }).bucketDir, join(t.dir, "tmp")), evalReport(RUN));
    page.on("dialog", (d) => void d.accept());
    page.setDefaultTimeout(45_000);
  }, 60_000);

  /** Waits for the page to show a finished answer; on timeout, says what the page and the API saw. */
  async function answerDone(timeout = 45_000) {
    try {
      await page.waitForSelector("#answer[data-state=done]", { timeout });
    } catch (err) {
      const seen = await page.evaluate(() =>
        ["#answer-job", "#stages", "#stream-state", "#ask-error", "#answer"].map((q) => `${q}: ${document.querySelector(q)?.textContent}`).join("\n"),
      );
      const jobId = /job (\S+)/.exec(seen)?.[1];
      const job = jobId ? (await api(host.url, "GET", `/queries/${jobId}/events?after=0`, undefined, auth)).body : undefined;
      throw new Error(`${(err as Error).message}\n${seen}\njob events: ${JSON.stringify(job)?.slice(0, 3000)}\nhost: ${host.output().slice(-2000)}`);
    }
  }

  // A failure says what the host logged (warnings: failed documents, retried messages), not only what the page showed.
  afterEach(({ task }) => {
    if (task.result?.state === "fail" && host) console.error(`host log (last 6,000 characters):\n${host.output().slice(-6000)}`);
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await llm?.stop();
    t?.cleanup();
  });

  it("the host serves the console at / with its content types, beside the API, and nothing outside console/", async () => {
    expect(await rawGet(host.url, "/")).toEqual({ status: 200, type: "text/html; charset=utf-8" });
    expect((await rawGet(host.url, "/console/app.js")).type).toBe("text/javascript; charset=utf-8");
    expect((await rawGet(host.url, "/console/..%2fpackage.json")).status).toBe(404);
    expect((await rawGet(host.url, "/console/%2e%2e/host/console.ts")).status).toBe(404);
    expect((await rawGet(host.url, "/documents")).status).toBe(401); // the API still answers its own routes
  });

  it("a wrong key is refused with the API's 401 and nothing is kept", async () => {
    await page.goto(host.url);
    await page.fill("#api-key", "not-a-real-key-000000");
    await page.click("#signin-form button[type=submit]");
    await poll(() => page.textContent("#signin-error")).toMatch(/401 unauthorized: unknown API key/);
    expect(await page.isHidden("#nav")).toBe(true);
    await shot("sign-in");
    expect(await page.evaluate(() => sessionStorage.getItem("ragline.apiKey"))).toBeNull();
  });

  it(`page weight: the console's first load stays within ${FIRST_LOAD_BUDGET / 1024} KB, and loads no pdf.js`, async () => {
    await poll(() => loaded.filter((r) => r.path === "/console/app.js").length).toBeGreaterThan(0);
    const first = loaded.filter((r) => r.path === "/" || r.path.startsWith("/console/"));
    const bytes = first.reduce((a, r) => a + r.bytes, 0);
    console.log(`console first load: ${first.length} files, ${bytes} bytes`);
    expect(bytes).toBeLessThanOrEqual(FIRST_LOAD_BUDGET);
    expect(first.some((r) => r.path.includes("pdfjs"))).toBe(false);
  });

  it("the right key signs in: accepted, admin shown, kept in sessionStorage only", async () => {
    await page.fill("#api-key", KEY);
    await page.click("#signin-form button[type=submit]");
    await page.waitForSelector("#nav:not([hidden])");
    expect(await page.textContent("#who")).toBe("Signed in: API key …0001 accepted · admin");
    expect(await page.evaluate(() => [sessionStorage.getItem("ragline.apiKey"), localStorage.length, document.cookie])).toEqual([KEY, 0, ""]);
  });

  it("uploads through the file input with metadata and ACL, by an upload URL (POST /uploads, then one PUT without the key); the list shows it reach indexed; chunks show their section path", async () => {
    await page.goto(`${host.url}/#documents`);
    const from = sent.length;
    await page.fill("#upload-form input[name=prefix]", "hr/");
    await page.fill("#upload-form input[name=department]", "hr");
    await page.fill("#upload-form input[name=tags]", "policy, leave");
    await page.fill("#upload-form input[name=acl]", "hr");
    await page.setInputFiles("#upload-files", {
      name: "vacation.md",
      mimeType: "text/markdown",
      buffer: Buffer.from(
        "# Vacation policy\n\nEmployees get 25 days of paid vacation per year. Requests go to the manager two weeks ahead.\n\n## Sick leave\n\nSick leave is unlimited with a doctor note after three days.\n",
      ),
    });
    await page.click("#upload-form button[type=submit]");
    await poll(() => page.textContent('#doc-table tr[data-key="hr/vacation.md"] td.status'), SLOW).toBe("indexed");
    const doc = await api(host.url, "GET", "/documents/hr/vacation.md", undefined, auth);
    expect(doc.body.metadata).toMatchObject({ department: "hr", tags: ["policy", "leave"], acl: ["hr"] });
    // The bytes went to the upload URL, not through PUT /documents; the URL, not the key, authorized the PUT.
    const uploads = sent.slice(from).filter((r) => r.path.startsWith("/uploads") || (r.method === "PUT" && r.path.startsWith("/documents")));
    expect(uploads.map((r) => r.method)).toEqual(["POST", "PUT"]);
    expect(uploads[0]).toEqual({ method: "POST", path: "/uploads", withKey: true });
    expect(uploads[1]).toMatchObject({ method: "PUT", path: expect.stringMatching(/^\/uploads\/[\w-]{43}$/), withKey: false });
    expect(await page.textContent("#upload-log")).toContain("hr/vacation.md: uploaded (pending)");
    expect(await page.textContent("#doc-counts")).toContain("indexed: 1");
    await page.click('#doc-table tr[data-key="hr/vacation.md"] button:has-text("Chunks")');
    await page.waitForSelector("#chunk-list li[data-chunk]");
    expect(await page.locator("#chunk-list li .where").allTextContents()).toEqual(["no page · Vacation policy", "no page · Vacation policy › Sick leave"]);
  });

  it("uploads a dropped PDF (drag and drop), and filters the list by prefix and status", async () => {
    const pdf = await pdfBuffer((doc) => {
      doc.addPage().font("Helvetica-Bold").fontSize(18).text("Travel policy", 54, 70);
      doc.font("Helvetica").fontSize(11).text("Trains are booked in second class for trips under four hours.", 54, 110);
      doc.addPage().font("Helvetica-Bold").fontSize(18).text("Parking", 54, 70);
      doc.font("Helvetica").fontSize(11).text("Employees park in the north garage on level three with their badge.", 54, 110);
    });
    await page.fill("#upload-form input[name=prefix]", "travel/");
    await page.fill("#upload-form input[name=acl]", "");
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "policy.pdf", { type: "application/pdf" }));
      document.querySelector("#drop-zone").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, pdf.toString("base64"));
    await poll(() => page.textContent('#doc-table tr[data-key="travel/policy.pdf"] td.status'), SLOW).toBe("indexed");
    await page.click('#doc-table tr[data-key="travel/policy.pdf"] button:has-text("Chunks")');
    await poll(() => page.locator("#chunk-list li .where").allTextContents()).toEqual(["page 1 · Travel policy", "page 2 · Travel policy › Parking"]); // the title leads every section path (document context, 9bb7bc7)
    await shot("documents");

    await page.fill("#doc-filters input[name=prefix]", "travel/");
    await page.click("#doc-filters button[type=submit]");
    await poll(() => page.locator("#doc-table tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")))).toEqual(["travel/policy.pdf"]);
    await page.fill("#doc-filters input[name=prefix]", "");
    await page.selectOption("#doc-filters select[name=status]", "failed");
    await page.click("#doc-filters button[type=submit]");
    await poll(() => page.locator("#doc-table tbody tr").count()).toBe(0);
    await page.selectOption("#doc-filters select[name=status]", "");
    await page.click("#doc-filters button[type=submit]");
    await poll(() => page.locator("#doc-table tbody tr").count()).toBe(2);
  });

  it("shows a key and chunk text holding markup as text: no element is made from data, no script runs", async () => {
    await page.fill("#upload-form input[name=prefix]", "");
    await page.setInputFiles("#upload-files", { name: XSS_NAME, mimeType: "text/plain", buffer: Buffer.from(XSS_TEXT) });
    await page.click("#upload-form button[type=submit]");
    const row = page.locator(`#doc-table tr[data-key=${JSON.stringify(XSS_NAME)}]`); // an attribute, so found even if the cell were parsed as HTML
    await poll(() => row.locator("td.status").textContent(), SLOW).toBe("indexed");
    expect(await row.locator("td.key").textContent()).toBe(XSS_NAME);
    await row.locator('button:has-text("Chunks")').click();
    await poll(() => page.textContent("#chunk-list")).toContain("<img src=x onerror=");
    expect(await page.textContent("#chunks-title")).toBe(`Chunks of ${XSS_NAME}`);
    expect(await page.textContent("#upload-log")).toContain(XSS_NAME);
    // Had any of it gone through innerHTML, an <img>/<script> element would exist (the CSP would only stop it running).
    expect(await page.locator("main img, main script").count()).toBe(0);
    expect(await page.evaluate(() => window.__xss)).toBeUndefined();
  });

  it("asks: stages as they happen, the answer streamed in several deltas before done, citations with document key and page", async () => {
    await page.goto(`${host.url}/#ask`);
    await page.evaluate(() => {
      const el = document.querySelector("#answer");
      const seen: string[] = (window.__streamed = []);
      new MutationObserver(() => {
        if (el.dataset.state === "streaming" && el.textContent) seen.push(el.textContent);
      }).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await page.fill("#question", "Which garage do employees park in?");
    await page.click("#ask-form button[type=submit]");
    await answerDone();
    const streamed = await page.evaluate(() => window.__streamed);
    const final = (await page.textContent("#answer"))!;
    expect(final).toMatch(/^Employees park in the north garage on level three with their badge\. \[1\]/);
    expect(new Set(streamed).size).toBeGreaterThanOrEqual(3); // token by token, not one block at the end
    for (let i = 1; i < streamed.length; i++) expect(streamed[i].startsWith(streamed[i - 1])).toBe(true);
    expect(final.startsWith(streamed.at(-1)!)).toBe(true);
    expect(await page.locator("#stages li").allTextContents()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^retrieve: finished \d+ ms$/),
        expect.stringMatching(/^generate: finished \d+ ms$/),
        expect.stringMatching(/^ground: finished/),
      ]),
    );
    // The citation as the API gives it (page and section path of the cited source), shown with its key and page.
    const jobs = await page.evaluate(() => JSON.parse(sessionStorage.getItem("ragline.jobs") ?? "[]"));
    expect(jobs[0].question).toBe("Which garage do employees park in?");
    const { body: job } = await api(host.url, "GET", `/queries/${jobs[0].jobId}`, undefined, auth);
    const [c1] = job.citations;
    expect([c1.documentKey, typeof c1.page]).toEqual(["travel/policy.pdf", "number"]);
    const cite = page.locator("#citations li#cite-1");
    expect(await cite.getAttribute("data-key")).toBe("travel/policy.pdf");
    expect(await cite.textContent()).toBe(`travel/policy.pdf · page ${c1.page} · ${c1.sectionPath.join(" › ")} Show page ${c1.page}${c1.text}`);
    expect(await page.isHidden("#abstained")).toBe(true);
    await shot("ask");
  });

  it("clicking citation [1] renders the cited page of the PDF with pdf.js (page 2 of 2) and marks the cited text on it", async () => {
    const { body: job } = await api(
      host.url,
      "GET",
      `/queries/${(await page.evaluate(() => JSON.parse(sessionStorage.getItem("ragline.jobs"))))[0].jobId}`,
      undefined,
      auth,
    );
    const { page: citedPage } = job.citations[0];
    expect(citedPage).toBe(2); // the parking text is on the PDF's second page
    const from = sent.length;
    await page.click("#answer button.cite");
    await page.waitForSelector("#viewer[data-state=rendered]");
    expect(await page.getAttribute("#viewer", "data-page")).toBe(String(citedPage));
    expect(await page.textContent("#viewer-title")).toBe("[1] travel/policy.pdf · page 2");
    expect(await page.textContent("#viewer-note")).toMatch(/^Page 2 of 2\. The cited text is marked \(\d+ lines?\)\.$/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("viewer-title");
    // What pdf.js drew: the page canvas has ink, and the marks sit on the cited sentence's text items.
    const ink = await page.evaluate(() => {
      const c = document.querySelector("#viewer-page canvas");
      const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let dark = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] < 128 && px[i + 3] > 0) dark++;
      return dark;
    });
    expect(ink).toBeGreaterThan(500);
    expect((await page.locator("#viewer-page .hl").evaluateAll((els) => els.map((e) => e.dataset.text))).join(" ")).toContain("north garage on level three");
    expect(await page.locator("#viewer-page .hl").evaluateAll((els) => els.every((e) => e.offsetWidth > 10 && e.offsetHeight > 5))).toBe(true);
    // The bytes came from the document's content route, with the session's key; pdf.js from the host, not a CDN.
    expect(sent.slice(from).filter((r) => r.path === "/documents/travel/policy.pdf")).toEqual([
      { method: "GET", path: "/documents/travel/policy.pdf", withKey: true },
    ]);
    const pdfjs = loaded.filter((r) => r.path.startsWith("/console/vendor/pdfjs/"));
    const pdfjsBytes = pdfjs.reduce((a, r) => a + r.bytes, 0);
    console.log(`pdf.js loaded on the first citation: ${pdfjs.map((r) => r.path.split("/").at(-1)).join(", ")}: ${pdfjsBytes} bytes`);
    expect(pdfjsBytes).toBeLessThanOrEqual(PDFJS_BUDGET);
    expect(sent.every((r) => r.path.startsWith("/") && !/cdn|unpkg|jsdelivr/.test(r.path))).toBe(true);
    await page.locator("#viewer").scrollIntoViewIfNeeded();
    await shot("citation-page");
  });

  it("a dropped WebSocket reconnects and resumes after the last seq: no gap, no repeat, the same answer as the API's", async () => {
    llm.streamEventDelayMs = 150;
    await page.fill("#question", "How many vacation days do employees get?");
    const before = await page.evaluate(() => window.__sockets.length);
    await page.click("#ask-form button[type=submit]");
    await page.waitForFunction(
      () => document.querySelector("#answer").dataset.state === "streaming" && document.querySelector("#answer").textContent.length > 0,
    );
    await page.evaluate(() => window.__sockets.at(-1).socket.close()); // the network drops
    await answerDone(SLOW);
    llm.streamEventDelayMs = 60;
    const sockets = await page.evaluate(
      (from) =>
        window.__sockets.slice(from).map((s: { sent: string[]; seqs: number[] }) => ({ sent: s.sent.map((x) => JSON.parse(x)), seqs: s.seqs as number[] })),
      before,
    );
    expect(sockets).toHaveLength(2);
    const [first, second] = sockets;
    const jobId = first.sent[0].jobId;
    expect(first.sent[0]).toEqual({ action: "subscribe", jobId, afterSeq: 0 });
    const lastSeen = Math.max(...first.seqs);
    expect(second.sent[0]).toEqual({ action: "subscribe", jobId, afterSeq: lastSeen });
    expect(second.seqs[0]).toBe(lastSeen + 1);
    const all = [...first.seqs, ...second.seqs];
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    const job = await api(host.url, "GET", `/queries/${jobId}`, undefined, auth);
    expect(job.body.status).toBe("completed");
    expect(await page.textContent("#answer")).toBe(job.body.answer);
    expect(await page.textContent("#stream-state")).toMatch(/^done at seq \d+$/);
  });

  it("marks unsupported sentences and shows an abstention as such", async () => {
    llm.reply = () => "Employees get 25 days of paid vacation per year. [1] The moon is made of green cheese. [1]";
    await page.fill("#question", "How many vacation days do employees get?");
    await page.click("#ask-form button[type=submit]");
    await answerDone();
    expect(await page.locator("#answer mark.unsupported").allTextContents()).toEqual([expect.stringContaining("The moon is made of green cheese.")]);
    expect(await page.isVisible("#unsupported-note")).toBe(true);
    expect(await page.isHidden("#abstained")).toBe(true);
    llm.reply = (await import("../helpers/inference-server")).standInAnswer;

    await page.fill("#question", "What is the airspeed velocity of an unladen swallow?");
    await page.click("#ask-form button[type=submit]");
    await answerDone();
    expect(await page.textContent("#answer")).toBe("The sources do not contain an answer to this question.");
    expect(await page.isVisible("#abstained")).toBe(true);
    expect(await page.locator("#citations li").count()).toBe(0);
  });

  it("jobs of this session: status and timings per stage; a running job is cancelled from the page", async () => {
    llm.delayMs["/v1/chat/completions"] = 5_000;
    await page.fill("#question", "Which garage do employees park their cars in?");
    await page.click("#ask-form button[type=submit]");
    await page.waitForSelector("#stages li[data-stage=generate]");
    await page.goto(`${host.url}/#jobs`);
    const rows = page.locator("#jobs-table tbody tr");
    await poll(() => rows.count()).toBe(5);
    const running = rows.first();
    expect(await running.locator("td").first().textContent()).toContain("Which garage do employees park their cars in?");
    await running.locator('button:has-text("Cancel")').click();
    await poll(() => rows.first().locator("td.status").textContent()).toMatch(/^cancelled/);
    llm.delayMs["/v1/chat/completions"] = 0;
    const done = rows.nth(4);
    expect(await done.locator("td.status").textContent()).toBe("completed");
    expect(await done.locator("td").nth(2).textContent()).toMatch(/retrieve \d+ · rerank \d+ · assemble \d+ · generate \d+ · ground \d+total \d+/);
    await shot("jobs");
    expect(pageErrors).toEqual([]);
  });

  it("a real filing from the datasets (Foot Locker 8-K, 4 pages): the cited page (3) is the one rendered, with the cited text marked", async () => {
    const pdf = readFileSync(join(DATASETS, "financebench", "docs", "FOOTLOCKER_2022_8K_dated-2022-05-20.pdf"));
    expect(
      (await api(host.url, "PUT", "/documents/filings/footlocker-8k.pdf", pdf, { "content-type": "application/pdf", "x-amz-meta-acl": "hr", ...auth })).status,
    ).toBe(202);
    await poll(async () => (await api(host.url, "GET", "/documents/filings/footlocker-8k.pdf", undefined, auth)).body.status, SLOW).toBe("indexed");
    await page.goto(`${host.url}/#ask`);
    await page.fill("#question", "Whom did the Board designate as the audit committee financial expert?");
    await page.click("#ask-form button[type=submit]");
    await answerDone();
    const jobId = (await page.evaluate(() => JSON.parse(sessionStorage.getItem("ragline.jobs"))))[0].jobId;
    const { body: job } = await api(host.url, "GET", `/queries/${jobId}`, undefined, auth);
    const cited = job.citations.find((c: { documentKey: string }) => c.documentKey === "filings/footlocker-8k.pdf");
    expect(cited?.page).toBe(3); // Item 8.01, where Ms. Nicosia is designated
    await page.click(`#answer button.cite[aria-label="citation ${cited.n}"]`);
    await page.waitForSelector("#viewer[data-state=rendered]");
    expect(await page.getAttribute("#viewer", "data-page")).toBe("3");
    expect(await page.textContent("#viewer-note")).toMatch(/^Page 3 of 4\. The cited text is marked/);
    expect((await page.locator("#viewer-page .hl").evaluateAll((els) => els.map((e) => e.dataset.text))).join(" ")).toMatch(/audit committee financial expert/);
    await page.locator("#viewer").scrollIntoViewIfNeeded();
    await shot("citation-page-filing");
  });

  it("a document that fails shows its reason in the list; the Index tab shows it stale and the rollout state", async () => {
    await page.goto(`${host.url}/#documents`);
    await page.fill("#upload-form input[name=prefix]", "");
    await page.setInputFiles("#upload-files", { name: "broken.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4 this is not a PDF") });
    await page.click("#upload-form button[type=submit]");
    const status = page.locator('#doc-table tr[data-key="broken.pdf"] td.status');
    await poll(() => status.textContent(), SLOW).toMatch(/^failed.+/);
    const reason = (await api(host.url, "GET", "/documents/broken.pdf", undefined, auth)).body.error;
    expect(await status.locator(".reason").textContent()).toBe(reason);
    // Retry ingests it again from its object (POST /documents/{key}/retry): a new attempt, the same failure.
    const before = (await api(host.url, "GET", "/documents/broken.pdf", undefined, auth)).body.updatedAt;
    await page.click('#doc-table tr[data-key="broken.pdf"] button:has-text("Retry")');
    await poll(async () => (await api(host.url, "GET", "/documents/broken.pdf", undefined, auth)).body.updatedAt, SLOW).not.toBe(before);
    await poll(() => status.textContent(), SLOW).toMatch(/^failed.+/);
    await page.goto(`${host.url}/#index`);
    await poll(() => page.textContent("#rollout")).toMatch(
      /^current: serving local\/hashed-ngrams\S+, target local\/hashed-ngrams\S+; \d+ of \d+ chunks embedded with the target \(100%\)/,
    );
    await poll(() => page.locator('#stale-table tr[data-key="broken.pdf"] td').allTextContents()).toEqual([
      "broken.pdf",
      "failed",
      expect.stringContaining(reason),
    ]);
    await shot("index");
  });

  it("deletes a document from the list", async () => {
    await page.goto(`${host.url}/#documents`);
    await page.click('#doc-table tr[data-key="travel/policy.pdf"] button:has-text("Delete")');
    await poll(() => page.locator('#doc-table tr[data-key="travel/policy.pdf"]').count()).toBe(0);
    expect((await api(host.url, "GET", "/documents/travel/policy.pdf", undefined, auth)).status).toBe(404);
  });

  it("Evals: the stored run is listed with its useful share; its report opens in a sandboxed frame that runs nothing", async () => {
    await page.goto(`${host.url}/#evals`);
    const row = page.locator(`#evals-table tr[data-run="${RUN}"]`);
    await poll(() => row.count()).toBe(1);
    expect(await row.locator("td").nth(2).textContent()).toBe("policies: 66.7 % [20.8 %, 93.9 %], n=3"); // the fixture's automatic verdicts: useful, partly, useful
    await row.locator('button:has-text("Report")').click();
    await page.waitForSelector("#report:not([hidden])");
    const frame = page.frameLocator("#report-frame");
    await poll(() => frame.locator("h1").textContent()).toBe("ragline evaluation — audit-3");
    expect(await page.getAttribute("#report-frame", "sandbox")).toBe("");
    // Styled by its own stylesheet (allowed by hash in the console's CSP), which the frame did not run as script.
    expect(
      await frame
        .locator("th")
        .first()
        .evaluate((el) => getComputedStyle(el).backgroundColor),
    ).toBe("rgb(245, 245, 245)");
    await shot("evals-report");
  });

  it("Audit: one answer at a time, sources hidden until scored; three items scored by keyboard (u, w, u) with a reload after two, which resumes at the third; the summary is the CLI's", async () => {
    await page.locator(`#evals-table tr[data-run="${RUN}"] button:has-text("Audit")`).click();
    await page.waitForSelector("#audit:not([hidden])");
    expect(await page.textContent("#audit-progress")).toBe("Answer 1 of 3 · 0 scored");
    expect(await page.textContent("#audit-question")).toBe(`A01. ${REPORT_QUESTIONS[0].question}`);
    expect(await page.isHidden("#audit-sources")).toBe(true); // blind: the sources only after a verdict
    await shot("audit");
    const from = sent.length;
    for (const [i, key] of ["u", "w", "u"].entries()) {
      expect(await page.textContent("#audit-answer")).toBe(REPORT_QUESTIONS[i].answer);
      expect(await page.isHidden("#audit-sources")).toBe(true);
      await page.keyboard.press(key);
      await page.waitForSelector("#audit-sources:not([hidden])");
      expect(await page.textContent("#audit-sources-text")).toContain(REPORT_QUESTIONS[i].source);
      expect(await page.getAttribute(`#audit .verdicts button[data-verdict="${key === "u" ? "useful" : "wrong"}"]`, "aria-pressed")).toBe("true");
      expect(await page.textContent("#audit-progress")).toBe(`Answer ${i + 1} of 3 · ${i + 1} scored`);
      await page.keyboard.press("Enter");
      if (i !== 1) continue;
      // Two scored: the verdicts are in the tab's sessionStorage under the run's id (never localStorage, never the key there).
      expect(await page.evaluate((run) => [JSON.parse(sessionStorage.getItem(`ragline.audit.${run}`)), localStorage.length], RUN)).toEqual([
        { A01: "useful", A02: "wrong" },
        0,
      ]);
      await page.reload();
      // The reload reopens the audit at the first unscored answer, still blind.
      await page.waitForSelector("#audit:not([hidden]) #audit-item[data-item=A03]");
      expect(await page.textContent("#audit-progress")).toBe("Answer 3 of 3 · 2 scored");
      expect(await page.textContent("#audit-question")).toBe(`A03. ${REPORT_QUESTIONS[2].question}`);
      expect(await page.isHidden("#audit-sources")).toBe(true);
    }
    await page.waitForSelector("#audit-summary:not([hidden])");
    expect(await page.textContent("#audit-share")).toBe("Useful: 66.7 % (95% Wilson CI 20.8 %–93.9 %, n=3)");
    // The numbers came from the API (the CLI's summarizeAudit), not from the page: one POST with the three verdicts.
    const posts = sent.slice(from).filter((r) => r.method === "POST");
    expect(posts).toEqual([{ method: "POST", path: `/evals/${RUN}/audit`, withKey: true }]);
    const text = await page.textContent("#audit-text");
    expect(text).toContain("audit: 3 answers scored");
    expect(text).toContain("useful 2 · partly 0 · wrong 1");
    expect(text).toContain("agreement with the automatic verdict: 66.7 % of 3");
    // Summed up: the verdicts are let go, so the next audit of the run starts afresh.
    expect(await page.evaluate((run) => [sessionStorage.getItem(`ragline.audit.${run}`), sessionStorage.getItem("ragline.auditOpen")], RUN)).toEqual([
      null,
      null,
    ]);
    await shot("audit-summary");
  });

  it("a WebSocket refused at the handshake (the key no longer works: 401) stops and says to sign in again, without retrying", async () => {
    await page.goto(`${host.url}/#ask`);
    llm.delayMs["/v1/chat/completions"] = 3_000;
    await page.fill("#question", "Which garage do employees park in?");
    await page.click("#ask-form button[type=submit]");
    await page.waitForSelector("#stages li[data-stage=generate]");
    const before = await page.evaluate(() => window.__sockets.length);
    // The key stops working (revoked, or replaced in another tab), then the network drops.
    await page.evaluate(() => {
      sessionStorage.setItem("ragline.apiKey", "revoked-key-0000000000000");
      window.__sockets.at(-1).socket.close();
    });
    await poll(() => page.textContent("#ask-error")).toBe("unauthorized: the API key was refused (401): sign in again");
    expect(await page.textContent("#stream-state")).toMatch(/^stopped after seq \d+: the API key was refused \(401\): sign in again$/);
    // One refused handshake, then nothing: the stream stopped instead of retrying.
    expect(await page.evaluate(() => window.__sockets.length)).toBe(before + 1);
    llm.delayMs["/v1/chat/completions"] = 0;
    await page.evaluate((key) => sessionStorage.setItem("ragline.apiKey", key), KEY);
  });

  it("a second principal signs in after sign-out and sees the hr-only document nowhere: not listed, not counted, not cited", async () => {
    await Promise.all([page.waitForEvent("load"), page.click("#sign-out")]);
    expect(await page.isHidden("#answer-panel")).toBe(true);
    expect(await page.evaluate(() => [sessionStorage.getItem("ragline.apiKey"), sessionStorage.getItem("ragline.jobs")])).toEqual([null, null]);
    await page.fill("#api-key", BOB);
    await page.click("#signin-form button[type=submit]");
    await poll(() => page.textContent("#who")).toBe("Signed in: API key …0002 accepted");
    await page.goto(`${host.url}/#documents`);
    await poll(() => page.locator("#doc-table tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")).sort())).toEqual(
      [XSS_NAME, "broken.pdf"].sort(),
    );
    expect(await page.locator("#doc-counts span").allTextContents()).toEqual(expect.arrayContaining(["indexed: 1", "failed: 1"]));
    await page.goto(`${host.url}/#index`);
    await poll(() => page.textContent("#rollout")).toBe("Only an admin key may see the rollout.");
    await page.goto(`${host.url}/#ask`);
    await page.fill("#question", "How many vacation days do employees get?");
    await page.click("#ask-form button[type=submit]");
    await answerDone();
    expect(await page.textContent("#answer-panel")).not.toMatch(/vacation\.md|25 days/);
    await page.goto(`${host.url}/#jobs`);
    await poll(() => page.locator("#jobs-table tbody tr").count()).toBe(1); // alice's jobs left with her session
  });
});
