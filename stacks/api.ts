import type { Topology } from "../shared/topology";
import { CONSOLE_CORS } from "./console-site";
import type { FunctionLike, Out, SstApi } from "./sst-api";

// The HTTP API (payload v2) and the WebSocket API. They are created before the functions (which
// link the WebSocket API for its management endpoint), then given the topology's routes: every
// route of the http functions, and the WebSocket routes ($connect, $disconnect, and actions chosen
// by the frame's "action"). A WebSocket route with an `authorizer` (only $connect may have one on
// API Gateway) gets that topology function as its Lambda REQUEST authorizer, whose context API
// Gateway passes to every later event of the connection as requestContext.authorizer. Browsers may
// call the HTTP API from the console's origin only (SST's default would be any origin, "*").

export function apis(sst: SstApi, consoleOrigin: Out<string>) {
  return {
    http: new sst.aws.ApiGatewayV2("Api", { cors: { ...CONSOLE_CORS, allowOrigins: [consoleOrigin] } }),
    ws: new sst.aws.ApiGatewayWebSocket("Realtime"),
  };
}

export function routes(topology: Topology, api: ReturnType<typeof apis>, fns: Record<string, FunctionLike>) {
  for (const [name, def] of Object.entries(topology.functions)) {
    if (def.trigger.kind === "http") for (const route of def.trigger.routes) api.http.route(route, fns[name].arn);
    if (def.trigger.kind !== "websocket") continue;
    const authorizer = def.trigger.authorizer && topology.functions[def.trigger.authorizer];
    if (authorizer && authorizer.trigger.kind === "authorizer") {
      const { id } = api.ws.addAuthorizer(authorizerName(def.trigger.authorizer!), {
        lambda: { function: fns[def.trigger.authorizer!].arn, identitySources: authorizer.trigger.identitySources },
      });
      api.ws.route(def.trigger.route, fns[name].arn, { auth: { lambda: id } });
    } else {
      if (def.trigger.authorizer) throw new Error(`topology: ${name}'s authorizer ${def.trigger.authorizer} is not an authorizer function`);
      api.ws.route(def.trigger.route, fns[name].arn);
    }
  }
}

/** SST names the authorizer resource "<Api>Authorizer<name>"; a PascalCase name keeps it readable. */
export const authorizerName = (fn: string) =>
  fn
    .split("-")
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join("");
