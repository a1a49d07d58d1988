// S3 user metadata travels as x-amz-meta-* headers: keys are lower-cased and values must be
// US-ASCII. Non-ASCII values (a department in Japanese, an accented ACL group) are sent as RFC 2047
// encoded words, the form AWS documents for them, and decoded on the way back.

const ENCODED = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/i;

export function encodeMetadata(meta: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(meta).map(([k, v]) => [
      k.toLowerCase(),
      /^[\x20-\x7e]*$/.test(v) && !ENCODED.test(v) ? v : `=?UTF-8?B?${Buffer.from(v, "utf8").toString("base64")}?=`,
    ]),
  );
}

export function decodeMetadata(meta: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!meta || !Object.keys(meta).length) return undefined;
  return Object.fromEntries(
    Object.entries(meta).map(([k, v]) => {
      const m = ENCODED.exec(v);
      return [k.toLowerCase(), m ? Buffer.from(m[1], "base64").toString("utf8") : v];
    }),
  );
}

/** S3 ETags come quoted; the pipeline compares them as plain change markers. */
export const plainEtag = (etag: string | undefined) => etag?.replace(/^W\//, "").replace(/^"|"$/g, "");
