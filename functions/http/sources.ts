import { sourceChangedSchema } from "../../events/messages";
import type { Principal } from "../../shared/auth/principal";
import { announceSourceChange } from "../../shared/ingest/document-requests";
import { httpHandler, json, jsonBody, parseInput } from "../lib/http";

// `POST /sources/changed` {key, metadata?}: a CMS or any system says a source changed. It is a write to
// that document (shared/auth/policy.ts); the event goes through the ingest-events queue, to the same
// handler as bucket notifications (shared/ingest/document-requests.ts).
export const handler = httpHandler({
  "POST /sources/changed": async (ctx, event, principal) => {
    const body = parseInput(sourceChangedSchema.omit({ type: true }), jsonBody(event), "body");
    await announceSourceChange(ctx, principal as Principal, body.key, body.metadata, body.force);
    return json(202, { key: body.key, status: "queued", links: { document: `/documents/${body.key}` } });
  },
});
