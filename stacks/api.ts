import type { Topology } from "../shared/topology";
import type { FunctionLike, SstApi } from "./sst-api";

// The HTTP API (payload v2) and the WebSocket API. They are created before the functions (which
// link the WebSocket API for its management endpoint), then given the topology's routes: every
// route of the http functions, and the WebSocket routes ($connect, $disconnect, and actions chosen
// by the frame's "action").

export function apis(sst: SstApi) {
  return { http: new sst.aws.ApiGatewayV2("Api"), ws: new sst.aws.ApiGatewayWebSocket("Realtime") };
}

export function routes(topology: Topology, api: ReturnType<typeof apis>, fns: Record<string, FunctionLike>) {
  for (const [name, def] of Object.entries(topology.functions)) {
    if (def.trigger.kind === "http") for (const route of def.trigger.routes) api.http.route(route, fns[name].arn);
    if (def.trigger.kind === "websocket") api.ws.route(def.trigger.route, fns[name].arn);
  }
}
