import type { IncomingMessage, ServerResponse } from "node:http";
import { forwardBucketNotification } from "../shared/adapters/aws/bucket-webhook";
import { logger } from "../shared/observability/logger";
import type { Context } from "../shared/runtime/context";
import type { Topology } from "../shared/topology";
import { readBody } from "./read-body";

// MinIO's webhook target for bucket notifications: POST /_bucket/notifications. The records go to
// the ingest queue as S3 → SQS delivers them on AWS. Answers 2xx only once queued (MinIO retries
// otherwise). Returns false for any other request, which the API then serves.

export const BUCKET_WEBHOOK_PATH = "/_bucket/notifications";
const MAX_BODY = 1024 * 1024;

export function bucketWebhook(ctx: Context, topology: Topology) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (new URL(req.url ?? "/", "http://host").pathname !== BUCKET_WEBHOOK_PATH) return false;
    if (req.method === "HEAD" || req.method === "GET") {
      res.writeHead(200).end();
      return true;
    } // MinIO's reachability probe
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return true;
    }
    void readBody(req, MAX_BODY).then(
      async (body) => {
        try {
          if (body === "too_large") {
            res.writeHead(413).end();
            return;
          }
          const out = await forwardBucketNotification(ctx.queue, topology.bucket.notifications.queue, body.toString("utf8"), {
            bucket: ctx.bucket,
            token: ctx.config.RAGLINE_BUCKET_WEBHOOK_TOKEN,
            authorization: req.headers.authorization,
          });
          if (out.error) logger.warn("bucket notification refused", { status: out.status, error: out.error });
          res.writeHead(out.status, { "content-type": "application/json" }).end(JSON.stringify(out));
        } catch (err) {
          logger.error("bucket notification not queued", { error: err as Error });
          res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: "not queued; retry" }));
        }
      },
      (err) => logger.warn("bucket notification body not read (the client went away)", { error: err as Error }),
    );
    return true;
  };
}
