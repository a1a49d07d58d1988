import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Input, Out, RouterLike, SstApi } from "./sst-api";

// The web console on AWS: its static files (console/, and pdf.js from node_modules) served by a
// CloudFront Router beside the APIs, with a config.json written at deploy time that names the HTTP
// API's and the WebSocket API's URLs (the console reads it first; the host's own is empty: same origin).
// The Router comes first, so that the HTTP API's CORS can name its origin (and only it) while the
// site's files, uploaded later, name the APIs: no cycle between the two.

export interface ConsoleConfig { apiUrl: string; webSocketUrl: string }

/** pdf.js files the console loads on its first citation, as the host serves them under /console/vendor/pdfjs/. */
const PDFJS_FILES = ["build/pdf.min.mjs", "build/pdf.worker.min.mjs"];

/** Methods and headers the console sends to the HTTP API; Retry-After is the one header it reads besides the safelisted ones. */
export const CONSOLE_CORS = {
  allowMethods: ["GET", "HEAD", "POST", "PUT", "DELETE"] as ("GET" | "HEAD" | "POST" | "PUT" | "DELETE")[],
  allowHeaders: ["authorization", "content-type", "x-api-key"],
  exposeHeaders: ["retry-after"],
  maxAge: "600 seconds" as const,
};

/**
 * Writes the site as the host serves it (index.html at /, the console under /console/, pdf.js under
 * /console/vendor/pdfjs/) into `out`, with config.json naming the APIs. Returns `out`.
 */
export function writeConsoleSite(root: string, out: string, config: ConsoleConfig): string {
  for (const [name, url] of [["apiUrl", config.apiUrl], ["webSocketUrl", config.webSocketUrl]] as const) {
    if (!/^(https|wss):\/\/[^/\s]+/.test(url)) throw new Error(`console site: ${name} must be an https/wss URL, got ${url}`);
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "console", "vendor", "pdfjs", "standard_fonts"), { recursive: true });
  cpSync(join(root, "console", "index.html"), join(out, "index.html"));
  cpSync(join(root, "console"), join(out, "console"), { recursive: true, filter: (src) => !src.endsWith("config.json") });
  const pdfjs = join(root, "node_modules", "pdfjs-console");
  for (const f of PDFJS_FILES) cpSync(join(pdfjs, f), join(out, "console", "vendor", "pdfjs", f.split("/").at(-1)!));
  for (const f of readdirSync(join(pdfjs, "standard_fonts"))) if (/\.(pfb|ttf)$/.test(f)) cpSync(join(pdfjs, "standard_fonts", f), join(out, "console", "vendor", "pdfjs", "standard_fonts", f));
  writeFileSync(join(out, "console", "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  return out;
}

const apply = <T, R>(o: Input<T>, f: (v: T) => R): Out<R> => (o as unknown as { apply(g: (v: T) => R): Out<R> }).apply(f);

/** The Router the console is served by; its URL is the console's origin. */
export const consoleRouter = (sst: SstApi): RouterLike => new sst.aws.Router("Console");

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
