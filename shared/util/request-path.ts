// What a request path may hold before it is routed: well-formed percent escapes of UTF-8, no NUL byte,
// and segments no longer than a file name may be (255 bytes: the folder bucket stores keys as paths).

export const MAX_SEGMENT_BYTES = 255;

/** Decodes a raw (still percent-encoded) path or path parameter; the reason it is malformed otherwise. */
export function decodeRequestPath(raw: string): { ok: true; decoded: string } | { ok: false; reason: string } {
  if (raw.includes("\0") || /%00/i.test(raw)) return { ok: false, reason: "path contains a NUL byte" };
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { ok: false, reason: "path has a malformed percent escape (each % must start an escape of UTF-8 bytes)" };
  }
  const long = decoded.split("/").find((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES);
  if (long !== undefined) return { ok: false, reason: `path segment longer than ${MAX_SEGMENT_BYTES} bytes (${Buffer.byteLength(long)})` };
  return { ok: true, decoded };
}
