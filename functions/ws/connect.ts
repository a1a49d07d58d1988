import { wsHandler } from "../lib/ws";

// Nothing to record on connect: a connection exists for the job store once it subscribes.
export const handler = wsHandler(async () => {});
