import type { Readable } from "node:stream";

// A request body the function host streams to a handler instead of putting it in the event (a file
// upload is not held whole, as a base64 string and then as bytes). Lambda events never carry one:
// there the body is in the event, as API Gateway sends it.

const streams = new WeakMap<object, { body: Readable; contentLength?: number }>();

export function attachBodyStream(event: object, body: Readable, contentLength?: number): void {
  streams.set(event, { body, contentLength });
}

/** The streamed body of this event, if the host streamed it. */
export function bodyStreamOf(event: object): { body: Readable; contentLength?: number } | undefined {
  return streams.get(event);
}
