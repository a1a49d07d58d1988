import { documentKeySchema, listDocumentsQuerySchema } from "../../events/api";
import { authenticate, readerGroups, type Principal } from "../../shared/auth/principal";
import type { DocumentRecord } from "../../shared/domain/document";
import { NotFoundError, ValidationError } from "../../shared/domain/errors";
import { allDocuments } from "../../shared/ingest/all-documents";
import { staleDocuments } from "../../shared/ingest/freshness";
import { httpHandler, json, parseInput } from "../lib/http";

/** A document with an ACL is visible only to principals in one of its groups (or named in it). */
const canRead = (doc: Pick<DocumentRecord, "metadata">, principal: Principal) => {
  const acl = doc.metadata?.acl;
  if (!acl?.length) return true;
  const groups = readerGroups(principal);
  return acl.some((g) => groups.includes(g));
};

const keyOf = (path: Record<string, string | undefined> | undefined) => parseInput(documentKeySchema, decodeURIComponent(path?.key ?? ""), "path.key");

export const handler = httpHandler({
  "PUT /documents/{key+}": async (ctx, event) => {
    authenticate(event.headers, ctx.config);
    const key = keyOf(event.pathParameters);
    if (!event.body) throw new ValidationError("request body is required (the file's bytes)", [{ field: "body", message: "required" }]);
    const body = Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8");
    const metadata = Object.fromEntries(Object.entries(event.headers ?? {}).filter(([k]) => k.startsWith("x-amz-meta-")).map(([k, v]) => [k.slice(11), v ?? ""]));
    const info = await ctx.objects.put(key, body, { contentType: event.headers?.["content-type"], metadata });
    // The bucket notification does the rest; until the parser picks it up the document is pending.
    const prev = await ctx.catalog.get(key);
    if (!prev || prev.status !== "processing") await ctx.catalog.put(key, { status: "pending", size: info.size, error: undefined });
    return json(202, { key, status: "pending", size: info.size, links: { self: `/documents/${key}` } });
  },
  "GET /documents": async (ctx, event) => {
    const principal = authenticate(event.headers, ctx.config);
    const { stale, ...q } = parseInput(listDocumentsQuerySchema, event.queryStringParameters ?? {}, "query");
    if (stale) {
      const records = new Map((await allDocuments(ctx)).map((d) => [d.key, d]));
      const visible = (await staleDocuments(ctx)).filter((s) => { const d = records.get(s.key); return !d || canRead(d, principal); });
      return json(200, { stale: visible, embeddingModel: ctx.embedder.model });
    }
    const page = await ctx.catalog.list(q);
    const documents = page.filter((d) => canRead(d, principal));
    return json(200, { documents, counts: await ctx.catalog.counts(), next: page.length === q.limit ? page.at(-1)?.key : undefined });
  },
  "GET /documents/{key+}": async (ctx, event) => {
    const raw = decodeURIComponent(event.pathParameters?.key ?? "");
    const wantsChunks = raw.endsWith("/chunks") && !(await ctx.catalog.get(raw));
    const key = parseInput(documentKeySchema, wantsChunks ? raw.slice(0, -"/chunks".length) : raw, "path.key");
    const doc = await ctx.catalog.get(key);
    if (!doc || !canRead(doc, authenticate(event.headers, ctx.config))) throw new NotFoundError(`document ${key}`);
    if (!wantsChunks) return json(200, doc);
    const chunks = await ctx.index.chunksOf(key);
    return json(200, {
      key, version: doc.indexedVersion,
      chunks: chunks.map(({ vector: _v, ...c }) => c),
    });
  },
  "DELETE /documents/{key+}": async (ctx, event) => {
    const principal = authenticate(event.headers, ctx.config);
    const key = keyOf(event.pathParameters);
    const doc = await ctx.catalog.get(key);
    if ((doc && !canRead(doc, principal)) || (!doc && !(await ctx.objects.head(key)))) throw new NotFoundError(`document ${key}`);
    await ctx.objects.delete(key);
    return json(202, { key, status: "deleting" });
  },
});
