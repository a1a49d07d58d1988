import type { Principal } from "../../shared/auth/principal";
import { redeemHostUpload, requestUpload, uploadRequestSchema } from "../../shared/ingest/uploads";
import { bodyStreamOf } from "../../shared/util/request-body";
import { httpHandler, json, jsonBody, parseInput } from "../lib/http";

// Uploads straight to the bucket: POST /uploads answers with a URL for one PUT (presigned S3 where
// the bucket is S3; else the host's PUT /uploads/{token}). Rules in shared/ingest/uploads.ts.

export const handler = httpHandler({
  "POST /uploads": async (ctx, event, principal) => {
    const req = parseInput(uploadRequestSchema, jsonBody(event), "body");
    const proto = event.headers?.["x-forwarded-proto"]?.split(",")[0]?.trim() || "http";
    const ticket = await requestUpload(ctx, principal as Principal, req, `${proto}://${event.requestContext.domainName}`);
    return json(200, ticket);
  },
  "PUT /uploads/{token}": async (ctx, event) => {
    // On the host the body arrives as a stream (never held whole).
    const body = bodyStreamOf(event)?.body ?? Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
    const out = await redeemHostUpload(ctx, event.pathParameters?.token ?? "", body, event.headers ?? {});
    return json(202, { ...out, links: { self: `/documents/${out.key}` } });
  },
});
