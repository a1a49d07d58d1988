import { wsHandler } from "../lib/ws";

// $connect runs after the route's authorizer (functions/ws/authorize.ts) allowed the connection;
// what API Gateway keeps for later events is the authorizer's context, never this handler's result.
export const handler = wsHandler(async () => undefined);
