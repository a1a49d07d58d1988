import { documentKeySchema, listDocumentsQuerySchema } from "../../events/api";
import type { Principal } from "../../shared/auth/principal";
import { NotFoundError, ValidationError } from "../../shared/domain/errors";
import { contentHeaders, documentContent } from "../../shared/ingest/document-content";
import { deleteDocument, listDocuments, readableDocument, retryDocument, staleReport, uploadDocument } from "../../shared/ingest/document-requests";
import { bodyStreamOf } from "../../shared/util/request-body";
import { decodePathParameter, httpHandler, json, parseInput } from "../lib/http";

// Documents API. Who may do what is decided in shared/auth/policy.ts, through shared/ingest/document-requests.ts.

/** The document key of the path: malformed escapes, NUL and over-long segments are a 400 naming the field. */
const decodeKey = (raw: string | undefined) => parseInput(documentKeySchema, decodePathParameter(raw, "path.key"), "path.key");

export const handler = httpHandler({
  "PUT /documents/{key+}": async (ctx, event, principal) => {
    const key = decodeKey(event.pathParameters?.key);
    // On the host the body arrives as a stream (never held whole); on Lambda it is in the event.
    const streamed = bodyStreamOf(event);
    if (streamed ? streamed.contentLength === 0 : !event.body)
      throw new ValidationError("request body is required (the file's bytes)", [{ field: "body", message: "required" }]);
    const body = streamed?.body ?? Buffer.from(event.body!, event.isBase64Encoded ? "base64" : "utf8");
    const userMetadata = Object.fromEntries(
      Object.entries(event.headers ?? {})
        .filter(([k]) => k.toLowerCase().startsWith("x-amz-meta-"))
        .map(([k, v]) => [k.slice(11).toLowerCase(), v ?? ""]),
    );
    const out = await uploadDocument(ctx, principal as Principal, key, body, {
      contentType: event.headers?.["content-type"],
      userMetadata,
      contentLength: streamed?.contentLength,
    });
    return json(202, { ...out, links: { self: `/documents/${key}` } });
  },
  "GET /documents": async (ctx, event, principal) => {
    const { stale, ...q } = parseInput(listDocumentsQuerySchema, event.queryStringParameters ?? {}, "query");
    if (stale) return json(200, { stale: await staleReport(ctx, principal as Principal), embeddingModel: ctx.embedder.model });
    return json(200, await listDocuments(ctx, principal as Principal, q));
  },
  "GET /documents/{key+}": async (ctx, event, principal) => {
    const raw = decodeKey(event.pathParameters?.key);
    if (event.queryStringParameters?.content !== undefined) {
      // `?content`: the document's bytes (base64 on the wire, as API Gateway and the host both carry binary).
      const c = await documentContent(ctx, principal as Principal, raw);
      // Too large for the response (Lambda): 303 to a short-lived URL of the bucket, which clients follow.
      if ("url" in c)
        return {
          statusCode: 303,
          headers: { location: c.url, "cache-control": "private, no-store", "content-type": "application/json" },
          body: JSON.stringify(c),
        };
      return { statusCode: 200, headers: contentHeaders(c), body: c.body.toString("base64"), isBase64Encoded: true };
    }
    const wantsChunks = raw.endsWith("/chunks") && !(await ctx.catalog.get(raw));
    const key = wantsChunks ? parseInput(documentKeySchema, raw.slice(0, -"/chunks".length), "path.key") : raw;
    const doc = await readableDocument(ctx, principal as Principal, key);
    if (!wantsChunks) return json(200, doc);
    const chunks = await ctx.index.chunksOf(key);
    return json(200, { key, version: doc.indexedVersion, chunks: chunks.map(({ vector: _v, ...c }) => c) });
  },
  "POST /documents/{key+}": async (ctx, event, principal) => {
    // The only POST on a document: `<key>/retry` ingests it again from its object.
    const raw = decodePathParameter(event.pathParameters?.key, "path.key");
    if (!raw.endsWith("/retry")) throw new NotFoundError(`route POST /documents/${raw}`);
    const key = parseInput(documentKeySchema, raw.slice(0, -"/retry".length), "path.key");
    await retryDocument(ctx, principal as Principal, key);
    return json(202, { key, status: "queued", links: { self: `/documents/${key}` } });
  },
  "DELETE /documents/{key+}": async (ctx, event, principal) => {
    const key = decodeKey(event.pathParameters?.key);
    await deleteDocument(ctx, principal as Principal, key);
    return json(202, { key, status: "deleting" });
  },
});
