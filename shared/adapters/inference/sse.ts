// Server-sent events (text/event-stream): yields the `data` of each event as it arrives.
// Handles CRLF and LF framing (also split across chunks), multi-line data and comment lines.

export async function* sseData(body: ReadableStream<Uint8Array>, onChunk?: () => void): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let buf = "";
  let heldCr = ""; // a CR at a chunk's end may be the first half of a CRLF
  for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
    onChunk?.();
    let text = heldCr + decoder.decode(bytes, { stream: true });
    heldCr = text.endsWith("\r") ? "\r" : "";
    if (heldCr) text = text.slice(0, -1);
    buf += text.replace(/\r\n?/g, "\n");
    let end: number;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const data = eventData(buf.slice(0, end));
      buf = buf.slice(end + 2);
      if (data !== undefined) yield data;
    }
  }
  // Per the SSE spec, an event cut off before its blank line is not dispatched.
}

function eventData(block: string): string | undefined {
  const lines = block.split("\n").filter((l) => l.startsWith("data:"));
  if (!lines.length) return undefined;
  return lines.map((l) => l.slice(5).replace(/^ /, "")).join("\n");
}
