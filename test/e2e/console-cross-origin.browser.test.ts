import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { writeConsoleSite } from "../../stacks/console-site";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startHostProcess, type HostProcess } from "../helpers/host-process";
import { StandInInferenceHost } from "../helpers/inference-server";
import { tempDir } from "../helpers/tmp";

// The console as the AWS deploy serves it: the site's files as the deploy writes them (stacks/console-site.ts:
// config.json naming the API, the CSP in index.html) on one origin (here a plain file server, as CloudFront
// is there), and the API on another origin (the host, as API Gateway is there). The host allows exactly that origin (RAGLINE_CONSOLE_ORIGIN): sign-in, the document list, an
// upload and a streamed answer work across origins, and the key goes nowhere but the API. The same
// console served from an origin the host does not name cannot use the API: the browser refuses it.
// No Chromium is a failure, not a skip (see console.browser.test.ts).

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
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
const KEY = "cross-origin-key-carol-0003";
const ROOT = resolve(import.meta.dirname, "..", "..");
const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
};
const SLOW = 90_000;
const poll = <T>(fn: () => Promise<T> | T, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any, document: any, sessionStorage: any, MutationObserver: any;

/** A plain static file server of a folder (index.html at /), no headers but the content type. */
async function staticFiles(dir: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const file = resolve(dir, `.${path === "/" ? "/index.html" : path}`);
    if (!file.startsWith(dir + sep) || !existsSync(file) || !TYPES[extname(file)]) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": TYPES[extname(file)] }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const SEED = [
  ["handbook/badges.md", "# Badges\n\nVisitors wear a red badge at all times. Employees wear a blue badge."],
  ["handbook/lunch.md", "# Lunch\n\nThe canteen serves lunch from noon to two in the afternoon."],
  ["handbook/wifi.md", "# Wifi\n\nThe guest network is called lobby and needs no password."],
  ["handbook/mail.md", "# Mail\n\nParcels are collected at the front desk every morning."],
  ["handbook/printing.md", "# Printing\n\nPrinters on every floor print double-sided by default."],
  ["handbook/fire.md", "# Fire drills\n\nFire drills happen twice a year; the meeting point is the east lawn."],
  ["handbook/travel.md", "# Travel\n\nTrain travel is booked through the travel desk two weeks ahead."],
  ["handbook/plants.md", "# Plants\n\nOffice plants are watered on Mondays by the facilities team."],
] as const;

describe("web console on its own origin, the API on another (CORS)", { timeout: 180_000 }, () => {
  let t: ReturnType<typeof tempDir>;
  let llm: StandInInferenceHost;
  let host: HostProcess;
  let site: { server: Server; origin: string };
  let elsewhere: { server: Server; origin: string };
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  /** Every request the page made: its URL and whether it carried the key (header, or ?token= on a WebSocket). */
  const requests: { url: string; withKey: boolean }[] = [];
  const auth = { "x-api-key": KEY };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (see .ci/apt-packages.txt)`);
    t = tempDir();
    llm = await StandInInferenceHost.start();
    llm.streamEventDelayMs = 60; // several deltas per answer
    // The host is started after the sites (it must know the console's origin); the site's files are written then.
    const siteDir = join(t.dir, "site");
    [site, elsewhere] = await Promise.all([staticFiles(siteDir), staticFiles(siteDir)]);
    const browserReady = chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    host = await startHostProcess(t.dir, {
      RAGLINE_AUTH: "required",
      RAGLINE_CONSOLE_ORIGIN: site.origin,
      RAGLINE_API_KEYS: JSON.stringify([{ key: KEY, tenant: "default", subject: "carol", groups: [], roles: ["reader", "writer", "admin"] }]),
      RAGLINE_GENERATOR: "openai",
      RAGLINE_LLM_URL: llm.url,
      RAGLINE_LLM_MODEL: "standin/llm",
      RAGLINE_QUERY_TRANSFORM: "off",
    });
    writeConsoleSite(ROOT, siteDir, { apiUrl: host.url, webSocketUrl: host.wsUrl });
    for (const [key, text] of SEED)
      expect((await api(host.url, "PUT", `/documents/${key}`, Buffer.from(text), { ...auth, "content-type": "text/markdown" })).status).toBe(202);
    browser = await browserReady;
    page = await browser.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("request", (r) => requests.push({ url: r.url(), withKey: "x-api-key" in r.headers() || "authorization" in r.headers() }));
    page.on("websocket", (ws) => requests.push({ url: ws.url(), withKey: new URL(ws.url()).searchParams.has("token") }));
    page.setDefaultTimeout(45_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await llm?.stop();
    site?.server.close();
    elsewhere?.server.close();
    t?.cleanup();
  });

  it("signs in from the console's origin against the API's: the key is accepted, admin shown", async () => {
    await page.goto(`${site.origin}/`);
    // The page's own policy (a <meta>: this server sends none) lets it reach its origin and the API's only.
    const policy = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
    expect(policy).toContain(`connect-src 'self' ${host.url} ${new URL(host.wsUrl).origin};`);
    await page.fill("#api-key", KEY);
    await page.click("#signin-form button[type=submit]");
    await poll(() => page.textContent("#who")).toBe("Signed in: API key …0003 accepted · admin");
  });

  it("lists the documents and uploads one through the host's upload URL, cross-origin; it reaches indexed", async () => {
    await page.goto(`${site.origin}/#documents`);
    await poll(() => page.locator("#doc-table tbody tr[data-key]").count(), SLOW).toBe(SEED.length);
    await page.setInputFiles("#upload-files", {
      name: "parking.md",
      mimeType: "text/markdown",
      buffer: Buffer.from("# Parking\n\nEmployees park in the north garage on level three with their badge.\n"),
    });
    await page.click("#upload-form button[type=submit]");
    await poll(() => page.textContent('#doc-table tr[data-key="parking.md"] td.status'), SLOW).toBe("indexed");
    await poll(() => page.locator("#doc-table tbody td.status").allTextContents(), SLOW).toEqual(Array(SEED.length + 1).fill("indexed"));
  });

  it("asks: the answer streams over the host's WebSocket in several deltas, with its citation", async () => {
    await page.goto(`${site.origin}/#ask`);
    await page.evaluate(() => {
      const el = document.querySelector("#answer");
      const seen: string[] = (window.__streamed = []);
      new MutationObserver(() => {
        if (el.dataset.state === "streaming" && el.textContent) seen.push(el.textContent);
      }).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await page.fill("#question", "Which garage do employees park in?");
    await page.click("#ask-form button[type=submit]");
    await page.waitForSelector("#answer[data-state=done]", { timeout: SLOW });
    expect(await page.textContent("#answer")).toMatch(/north garage on level three/);
    expect(new Set(await page.evaluate(() => window.__streamed)).size).toBeGreaterThanOrEqual(2);
    expect(await page.getAttribute("#citations li#cite-1", "data-key")).toBe("parking.md");
  });

  it("the key went to the API's origin only: never to the console's origin", async () => {
    const api = new URL(host.url);
    const keyed = requests.filter((r) => r.withKey);
    expect(keyed.length).toBeGreaterThan(3);
    expect(keyed.filter((r) => new URL(r.url).host !== api.host)).toEqual([]);
    expect(requests.filter((r) => r.url.startsWith("ws")).map((r) => new URL(r.url).origin)).toContain(`ws://${api.host}`);
    // And the page could not send it elsewhere if it tried: its policy blocks any other origin.
    expect(
      await page.evaluate(
        (url) =>
          fetch(url).then(
            () => "fetched",
            () => "blocked",
          ),
        `${elsewhere.origin}/index.html`,
      ),
    ).toBe("blocked");
    expect(pageErrors).toEqual([]);
  });

  it("the same console served from an origin the host does not name cannot use the API: sign-in fails in the browser", async () => {
    const other = await browser.newPage();
    await other.goto(`${elsewhere.origin}/`);
    await other.fill("#api-key", KEY);
    await other.click("#signin-form button[type=submit]");
    await poll(() => other.textContent("#signin-error")).toMatch(/^cannot reach the API/);
    expect(await other.evaluate(() => sessionStorage.getItem("ragline.apiKey"))).toBeNull();
    // What the browser saw: the host answered its preflight without allowing this origin.
    const pre = await fetch(`${host.url}/documents?limit=1`, {
      method: "OPTIONS",
      headers: { origin: elsewhere.origin, "access-control-request-method": "GET", "access-control-request-headers": "x-api-key" },
    });
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    await other.close();
  });
});
