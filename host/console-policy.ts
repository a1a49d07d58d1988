import { createHash } from "node:crypto";
import { REPORT_CSS } from "../evals/report/html";

// The console's Content-Security-Policy, one text for both places that serve it: the host (a header,
// host/console.ts) and the AWS static site (a <meta> in its index.html, stacks/console-site.ts, which
// adds the APIs' origins to connect-src). Data the console shows is always set as text; the policy is a
// second line of defence: no inline script, no plugin, nothing from another origin but the API. The one
// inline style allowed is the eval report's, by its hash: the report is shown in a sandboxed frame (no
// script) that inherits this policy.

const REPORT_STYLE = `'sha256-${createHash("sha256").update(REPORT_CSS).digest("base64")}'`;

/**
 * `connect`: where the page may fetch and open WebSockets besides its own origin. `frameAncestors`:
 * false for a <meta> policy, where browsers ignore it (the static site sends it as a header instead).
 */
export function consolePolicy(connect: readonly string[] = [], frameAncestors = true): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' ${REPORT_STYLE}`,
    "img-src 'self' data:",
    `connect-src ${["'self'", ...connect].join(" ")}`,
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    ...(frameAncestors ? ["frame-ancestors 'none'"] : []),
    "form-action 'self'",
  ].join("; ");
}
