import { createHash, createHmac } from "node:crypto";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

// s3rver 3.7 does not check Signature Version 4 (its authentication middleware says "V4 signatures
// have incomplete support" and accepts any). This front checks presigned (query-string) requests as
// AWS documents for S3 — canonical request, string to sign, derived signing key, expiry, and no
// unsigned x-amz-* headers — written from the published algorithm, not from the SDK that signs, and
// forwards what passes to s3rver. Header-signed requests (the adapter's own calls) pass unchecked.

const AWS_SPEC_ESCAPES = /[!'()*]/g;
const uriEncode = (s: string) => encodeURIComponent(s).replace(AWS_SPEC_ESCAPES, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
const sha256 = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");

export type Verdict = { ok: true } | { ok: false; code: "SignatureDoesNotMatch" | "AccessDenied"; message: string };

export function checkPresigned(
  req: Pick<IncomingMessage, "method" | "url" | "headers">,
  secretFor: (accessKeyId: string) => string | undefined,
  now = Date.now(),
): Verdict {
  const url = new URL(req.url ?? "/", "http://x");
  const q = url.searchParams;
  const credential = q.get("X-Amz-Credential")?.split("/") ?? [];
  const [accessKeyId, day, region, service, terminator] = credential;
  const date = q.get("X-Amz-Date") ?? "",
    expires = Number(q.get("X-Amz-Expires")),
    given = q.get("X-Amz-Signature") ?? "";
  const signed = (q.get("X-Amz-SignedHeaders") ?? "").split(";").filter(Boolean);
  if (
    q.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256" ||
    credential.length !== 5 ||
    terminator !== "aws4_request" ||
    !/^\d{8}T\d{6}Z$/.test(date) ||
    !signed.includes("host")
  ) {
    return { ok: false, code: "AccessDenied", message: "malformed presigned request" };
  }
  const secret = secretFor(accessKeyId);
  if (!secret) return { ok: false, code: "AccessDenied", message: "unknown access key" };
  const issued = Date.parse(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  if (!(expires > 0) || now > issued + expires * 1000) return { ok: false, code: "AccessDenied", message: "Request has expired" };
  const unsigned = Object.keys(req.headers).filter((h) => h.startsWith("x-amz-") && !signed.includes(h));
  if (unsigned.length)
    return { ok: false, code: "AccessDenied", message: `There were headers present in the request which were not signed: ${unsigned.join(", ")}` };
  const missing = signed.filter((h) => req.headers[h] === undefined);
  if (missing.length) return { ok: false, code: "SignatureDoesNotMatch", message: `signed headers missing from the request: ${missing.join(", ")}` };

  const path = url.pathname
    .split("/")
    .map((seg) => uriEncode(decodeURIComponent(seg)))
    .join("/");
  const query = [...q.entries()]
    .filter(([k]) => k !== "X-Amz-Signature")
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headerValue = (h: string) => {
    const v = req.headers[h];
    return (Array.isArray(v) ? v.join(",") : String(v)).trim().replace(/\s+/g, " ");
  };
  const canonicalHeaders = signed.map((h) => `${h}:${headerValue(h)}\n`).join("");
  const payload = q.get("X-Amz-Content-Sha256") ?? "UNSIGNED-PAYLOAD";
  const canonicalRequest = [req.method, path, query, canonicalHeaders, signed.join(";"), payload].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", date, scope, sha256(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), "aws4_request");
  const expected = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  return expected === given
    ? { ok: true }
    : { ok: false, code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided." };
}

/** An HTTP front on loopback: presigned requests are checked, then everything goes on to `target`. */
export async function startSigV4Front(
  target: string,
  secretFor: (accessKeyId: string) => string | undefined,
): Promise<{ endpoint: string; refused: Verdict[]; close(): Promise<void> }> {
  const refused: Verdict[] = [];
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    // A CORS preflight is answered before authentication, as S3 does (its URL carries the signature it precedes).
    if (req.method !== "OPTIONS" && new URL(req.url ?? "/", "http://x").searchParams.has("X-Amz-Signature")) {
      const verdict = checkPresigned(req, secretFor);
      if (!verdict.ok) {
        refused.push(verdict);
        req.resume();
        res
          .writeHead(403, { "content-type": "application/xml" })
          .end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${verdict.code}</Code><Message>${verdict.message}</Message></Error>`);
        return;
      }
    }
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", (e) => res.writeHead(502).end(String(e)));
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, refused, close: () => new Promise((r) => server.close(() => r())) };
}
