import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { consolePolicy } from "../host/console-policy";
import { CORS_EXPOSED, CORS_HEADERS, CORS_MAX_AGE_SECONDS, CORS_METHODS } from "../host/cors";
import type { Input, Out, RouterLike, SstApi } from "./sst-api";

// The web console on AWS: its static files (console/, and pdf.js from node_modules) served by a
// CloudFront Router beside the APIs, with a config.json written at deploy time that names the HTTP
// API's and the WebSocket API's URLs (the console reads it first; the host's own is empty: same origin).
// The Router comes first, so that the HTTP API's CORS can name its origin (and only it) while the
// site's files, uploaded later, name the APIs: no cycle between the two. The host's Content-Security-
// Policy goes with the page: in index.html as a <meta> (connect-src: the APIs' origins), and the one
// directive a <meta> cannot carry (frame-ancestors) with the other security headers from the Router.

export interface ConsoleConfig {
  apiUrl: string;
  webSocketUrl: string;
}

/** pdf.js files the console loads on its first citation, as the host serves them under /console/vendor/pdfjs/. */
const PDFJS_FILES = ["build/pdf.min.mjs", "build/pdf.worker.min.mjs"];

/** Methods and headers the console sends to the HTTP API, and Retry-After, which it reads: the host's CORS (host/cors.ts). */
export const CONSOLE_CORS = {
  allowMethods: [...CORS_METHODS],
  allowHeaders: [...CORS_HEADERS],
  exposeHeaders: [...CORS_EXPOSED],
  maxAge: `${CORS_MAX_AGE_SECONDS} seconds` as const,
};

/**
 * Writes the site as the host serves it (index.html at /, the console under /console/, pdf.js under
 * /console/vendor/pdfjs/) into `out`, with config.json naming the APIs. Returns `out`.
 */
export function writeConsoleSite(root: string, out: string, config: ConsoleConfig): string {
  const origins = [origin("apiUrl", config.apiUrl, "https:", "http:"), origin("webSocketUrl", config.webSocketUrl, "wss:", "ws:")];
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "console", "vendor", "pdfjs", "standard_fonts"), { recursive: true });
  const index = readFileSync(join(root, "console", "index.html"), "utf8");
  const meta = `<meta charset="utf-8">\n  <meta http-equiv="Content-Security-Policy" content="${consolePolicy(origins, false)}">`;
  if (!index.includes('<meta charset="utf-8">')) throw new Error("console site: index.html has no <meta charset> to put the policy after");
  writeFileSync(join(out, "index.html"), index.replace('<meta charset="utf-8">', meta));
  cpSync(join(root, "console"), join(out, "console"), { recursive: true, filter: (src) => !src.endsWith("config.json") });
  const pdfjs = join(root, "node_modules", "pdfjs-console");
  for (const f of PDFJS_FILES) cpSync(join(pdfjs, f), join(out, "console", "vendor", "pdfjs", f.split("/").at(-1)!));
  for (const f of readdirSync(join(pdfjs, "standard_fonts")))
    if (/\.(pfb|ttf)$/.test(f)) cpSync(join(pdfjs, "standard_fonts", f), join(out, "console", "vendor", "pdfjs", "standard_fonts", f));
  writeFileSync(join(out, "console", "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  return out;
}

/** The URL's origin; https/wss, or plain http/ws to a loopback address (a local test): the key must not travel in clear. */
function origin(name: string, url: string, secure: string, plain: string): string {
  if (!URL.canParse(url)) throw new Error(`console site: ${name} is not a URL: ${url}`);
  const u = new URL(url);
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  if (u.protocol !== secure && !(loopback && u.protocol === plain)) throw new Error(`console site: ${name} must be a ${secure.slice(0, -1)} URL, got ${url}`);
  return u.origin;
}

/** Headers CloudFront adds to every answer of the console's Router (a CloudFront Function). */
export const EDGE_HEADERS: Record<string, string> = {
  "content-security-policy": "frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

const apply = <T, R>(o: Input<T>, f: (v: T) => R): Out<R> => (o as unknown as { apply(g: (v: T) => R): Out<R> }).apply(f);

/** The Router the console is served by; its URL is the console's origin. */
export const consoleRouter = (sst: SstApi): RouterLike =>
  new sst.aws.Router("Console", {
    edge: {
      viewerResponse: {
        injection: Object.entries(EDGE_HEADERS)
          .map(([k, v]) => `event.response.headers[${JSON.stringify(k)}] = { value: ${JSON.stringify(v)} };`)
          .join("\n"),
      },
    },
  });

/** The console's files on the Router, once the APIs' URLs are known (at deploy time). */
export function consoleSite(sst: SstApi, router: RouterLike, apis: { http: Out<string>; ws: Out<string> }, root: string, stage: string) {
  const out = join(root, ".sst", "console-site", stage);
  const config = sstAll([apis.http, apis.ws]);
  return new sst.aws.StaticSite("ConsoleSite", {
    path: apply(config, ([apiUrl, webSocketUrl]) => writeConsoleSite(root, out, { apiUrl, webSocketUrl })),
    router: { instance: router },
    // No file name carries a content hash, so nothing is cached as immutable: browsers revalidate (ETag).
    assets: { fileOptions: [{ files: "**", cacheControl: "max-age=0,no-cache" }] },
  });
}

/** Pulumi's `all` over two outputs, through the outputs themselves (the stacks see them as opaque). */
function sstAll(outs: [Out<string>, Out<string>]): Out<[string, string]> {
  const [a, b] = outs as unknown as { apply<R>(f: (v: string) => R): unknown }[];
  return a.apply((x) => b.apply((y) => [x, y] as [string, string])) as unknown as Out<[string, string]>;
}
