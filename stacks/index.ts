import { topology as defaultTopology, type Topology } from "../shared/topology";
import { apis, routes } from "./api";
import { consoleRouter, consoleSite } from "./console-site";
import { functions } from "./functions";
import { narrowLinks } from "./links";
import { queues, subscribe } from "./queues";
import { schedules } from "./schedules";
import { secrets } from "./secrets";
import type { DeploySettings } from "./settings";
import type { SstApi } from "./sst-api";
import { storage } from "./storage";

// The AWS deployment, built from the one topology: the bucket notifying the ingest queue, every
// queue with its DLQ and subscriber, the tables, the HTTP and WebSocket APIs, the schedules, the
// secrets, one Lambda function per topology function, linked only to what it uses, and the web
// console as a static site beside the APIs (`root`: the repository, whose console/ it serves).

export function deploy(sst: SstApi, settings: DeploySettings, topology: Topology = defaultTopology, root = process.cwd()) {
  const s = { environment: {}, secretKeys: [], ...settings };
  narrowLinks(sst);
  const router = consoleRouter(sst);
  const store = storage(sst, router.url);
  const qs = queues(sst, topology);
  const sec = secrets(sst, s);
  const api = apis(sst, router.url);
  const fns = functions(sst, topology, { ...store, realtime: api.ws, queues: qs, es: sec.es, secrets: sec.linked }, s.environment);
  routes(topology, api, fns);
  subscribe(topology, qs, fns);
  store.bucket.notify({
    notifications: [
      {
        name: "IngestEvents",
        queue: qs[topology.bucket.notifications.queue].queue.arn,
        events: topology.bucket.notifications.events.map((e) => (e === "created" ? "s3:ObjectCreated:*" : "s3:ObjectRemoved:*")),
      },
    ],
  });
  schedules(sst, topology, fns);
  consoleSite(sst, router, { http: api.http.url, ws: api.ws.url }, root, s.stage);
  return { api: api.http.url, realtime: api.ws.url, console: router.url, bucket: store.bucket.name };
}
