import { createParser } from "eventsource-parser";

// Server-sent events (text/event-stream): yields the `data` of each event as it arrives. The framing
// (CR, LF or CRLF, split anywhere across chunks; multi-line data; comments; a BOM) is eventsource-parser's,
// a maintained implementation of the WHATWG parsing rules. An event cut off before its blank line is
// not dispatched, as the spec says.

export async function* sseData(body: ReadableStream<Uint8Array>, onChunk?: () => void): AsyncIterable<string> {
  const decoder = new TextDecoder();
  const ready: string[] = [];
  const parser = createParser({ onEvent: (e) => ready.push(e.data) });
  for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
    onChunk?.();
    parser.feed(decoder.decode(bytes, { stream: true }));
    while (ready.length) yield ready.shift()!;
  }
}
