import { disconnect } from "../../shared/query/subscribe";
import { wsHandler } from "../lib/ws";

export const handler = wsHandler((ctx, event) => disconnect(ctx, event.requestContext.connectionId));
