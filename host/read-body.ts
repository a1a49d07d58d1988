import type { IncomingMessage } from "node:http";

/**
 * A request body held whole, up to `max` bytes; past that "too_large", and the rest is drained unread
 * so the client still receives the answer (a 413) instead of a reset connection.
 */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | "too_large"> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        resolve("too_large");
        req.resume();
        return;
      }
      parts.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}
