import { rolloutStatus } from "../../shared/ingest/rollout";
import { retrievalStatus } from "../../shared/query/retrieval-tuning";
import { httpHandler, json } from "../lib/http";

// `GET /index/rollout`: which embedding model serves queries, which is configured, how far the
// re-embedding has come, and which BM25/vector fusion weights queries use (and what chose them).
export const handler = httpHandler({
  "GET /index/rollout": async (ctx) => {
    const [s, retrieval] = await Promise.all([rolloutStatus(ctx), retrievalStatus(ctx)]);
    return json(200, {
      state: s.state,
      serving: s.serving,
      target: s.target,
      chunks: s.chunks,
      covered: s.covered,
      progress: s.chunks ? s.covered / s.chunks : 1,
      retrieval,
    });
  },
});
