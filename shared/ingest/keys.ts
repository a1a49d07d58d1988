/**
 * Which object keys are documents: not hidden (no path segment starting with "." — the bucket's
 * `.reports/` area, editor temp files) and not a metadata sidecar (`<key>.meta.json`).
 */
export function isDocumentKey(key: string): boolean {
  return !key.split("/").some((segment) => segment.startsWith(".")) && !key.endsWith(".meta.json");
}
