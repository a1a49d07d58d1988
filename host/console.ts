import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, extname, join, resolve, sep } from "node:path";
import { consolePolicy } from "./console-policy";

// The web console (console/): static ES modules and CSS served at `/` and `/console/*`. It talks only
// to the public API, so serving it is file serving and nothing else. Asked only after no API route
// matched, so it can never shadow one.

export const CONSOLE_ROOT = resolve(import.meta.dirname, "..", "console");
/**
 * pdf.js (pdfjs-dist, installed as `pdfjs-console` so that unpdf's parser in Node never finds it) for
 * the page viewer: its two modules and the standard fonts, under /console/vendor/pdfjs/. Nothing else
 * of node_modules is reachable.
 */
const PDFJS_ROOT = dirname(createRequire(import.meta.url).resolve("pdfjs-console/package.json"));
const PDFJS_FILES: Record<string, string> = { "pdf.min.mjs": "build/pdf.min.mjs", "pdf.worker.min.mjs": "build/pdf.worker.min.mjs" };

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".mjs": "text/javascript; charset=utf-8",
  ".pfb": "application/octet-stream",
  ".ttf": "font/ttf",
};

// The console's policy (host/console-policy.ts): here the API is this origin, so connect-src is 'self' alone.
const SECURITY_HEADERS = {
  "content-security-policy": consolePolicy(),
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

/** The console file a request path names, or undefined when the path is not the console's (or tries to leave its folder). */
export function consoleFile(pathname: string, root = CONSOLE_ROOT): string | undefined {
  if (pathname === "/" || pathname === "/console" || pathname === "/console/") return join(root, "index.html");
  if (pathname.startsWith("/console/vendor/pdfjs/")) return pdfjsFile(pathname.slice("/console/vendor/pdfjs/".length));
  if (!pathname.startsWith("/console/")) return undefined;
  let rel: string;
  try {
    rel = decodeURIComponent(pathname.slice("/console/".length));
  } catch {
    return undefined;
  }
  // Plain names only: no "..", no hidden files, no backslashes or NULs that another layer might read differently.
  if (rel.split("/").some((seg) => seg === "" || seg.startsWith(".")) || /[\\\0]/.test(rel)) return undefined;
  const file = resolve(root, rel);
  return file.startsWith(root + sep) ? file : undefined;
}

function pdfjsFile(rel: string): string | undefined {
  if (PDFJS_FILES[rel]) return join(PDFJS_ROOT, PDFJS_FILES[rel]);
  const font = /^standard_fonts\/([\w-]+\.(pfb|ttf))$/.exec(rel);
  return font ? join(PDFJS_ROOT, "standard_fonts", font[1]) : undefined;
}

/** Serves a console file for GET/HEAD; false when the request is not for the console (the caller answers 404/405). */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, pathname: string, root = CONSOLE_ROOT): Promise<boolean> {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const file = consoleFile(pathname, root);
  const type = file && TYPES[extname(file)];
  if (!file || !type) return false;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return false;
  const body = await readFile(file);
  res.writeHead(200, { "content-type": type, "content-length": String(body.length), ...SECURITY_HEADERS });
  res.end(req.method === "HEAD" ? undefined : body);
  return true;
}
