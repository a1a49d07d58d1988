import { rolloutStatus } from "../../shared/ingest/rollout";
import { httpHandler, json } from "../lib/http";

// `GET /index/rollout`: which embedding model serves queries, which is configured, and how far the
// re-embedding has come.
export const handler = httpHandler({
  "GET /index/rollout": async (ctx) => {
    const s = await rolloutStatus(ctx);
    return json(200, { state: s.state, serving: s.serving, target: s.target, chunks: s.chunks, covered: s.covered, progress: s.chunks ? s.covered / s.chunks : 1 });
  },
});
