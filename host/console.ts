import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";

// The web console (console/): static ES modules and CSS served at `/` and `/console/*`. It talks only
// to the public API, so serving it is file serving and nothing else. Asked only after no API route
// matched, so it can never shadow one.

export const CONSOLE_ROOT = resolve(import.meta.dirname, "..", "console");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

// Data the console shows is always set as text; the policy is a second line of defence: no inline
// script, no plugin, nothing from another origin, not framed.
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

/** The console file a request path names, or undefined when the path is not the console's (or tries to leave its folder). */
export function consoleFile(pathname: string, root = CONSOLE_ROOT): string | undefined {
  if (pathname === "/" || pathname === "/console" || pathname === "/console/") return join(root, "index.html");
  if (!pathname.startsWith("/console/")) return undefined;
  let rel: string;
  try { rel = decodeURIComponent(pathname.slice("/console/".length)); } catch { return undefined; }
  // Plain names only: no "..", no hidden files, no backslashes or NULs that another layer might read differently.
  if (rel.split("/").some((seg) => seg === "" || seg.startsWith(".")) || /[\\\0]/.test(rel)) return undefined;
  const file = resolve(root, rel);
  return file.startsWith(root + sep) ? file : undefined;
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
