import type { IncomingMessage, ServerResponse } from "node:http";

// CORS for a console served from another origin (RAGLINE_CONSOLE_ORIGIN), as API Gateway's cors
// configuration does on AWS (stacks/console-site.ts): only the configured origins are allowed, never
// "*", and only the headers the console sends (its key, JSON, an upload URL's content type and
// x-amz-meta-* headers). A request from any other origin gets no CORS header, so the browser keeps the
// answer from its page. No cookies are involved: credentials are headers, so no Allow-Credentials.

export const CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE"] as const;
export const CORS_HEADERS = ["authorization", "content-type", "x-api-key"];
/** Response headers the console reads besides the CORS-safelisted ones. */
export const CORS_EXPOSED = ["retry-after"];
export const CORS_MAX_AGE_SECONDS = 600;

const allowedHeader = (h: string) => CORS_HEADERS.includes(h) || /^x-amz-meta-[a-z0-9-]+$/.test(h);

/**
 * Sets the CORS headers a request from an allowed origin gets; answers its preflight (true: answered).
 * A preflight from another origin is left to the router, which has no OPTIONS route (405, no CORS header).
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origins.length) res.setHeader("vary", "origin");
  if (!origin || !origins.includes(origin)) return false;
  res.setHeader("access-control-allow-origin", origin);
  const method = req.headers["access-control-request-method"];
  if (req.method !== "OPTIONS" || !method) {
    res.setHeader("access-control-expose-headers", CORS_EXPOSED.join(", "));
    return false;
  }
  const asked = String(req.headers["access-control-request-headers"] ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  res.writeHead(204, {
    "access-control-allow-methods": CORS_METHODS.join(", "),
    "access-control-allow-headers": asked.filter(allowedHeader).join(", "),
    "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
  });
  res.end();
  return true;
}
