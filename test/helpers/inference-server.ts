import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { selectSentences } from "../../shared/adapters/local/extractive-generator";
import { HashedNgramEmbedder } from "../../shared/adapters/local/hashed-ngram-embedder";
import { lexicalCoverage } from "../../shared/query/relevance";
import { NO_ANSWER } from "../../shared/text/no-answer";

// A STAND-IN for a GPU inference host, over real HTTP on loopback. No model can run on this
// machine, so it speaks the wire formats faithfully with deterministic "models" behind them:
//   POST /v1/embeddings        OpenAI-compatible (vLLM, Ollama, llama.cpp server, hosted APIs)
//   POST /v1/chat/completions  OpenAI-compatible, JSON or streamed server-sent events
//   POST /embed, /rerank       Text Embeddings Inference (TEI)
//   POST /v1/rerank            vLLM / Jina / Cohere rerank form
// Embeddings are hashed n-grams (lexical, returned un-normalised), rerank scores are the query's
// term coverage, and chat answers by quoting the best source sentence with its [n] citation.
// It counts calls, records requests, and injects faults: error statuses, streams cut mid-way,
// slowness, and going down altogether.

export interface ChatMessageIn {
  role: string;
  content: string;
}
export type ChatReply = (messages: ChatMessageIn[], body: Record<string, unknown>) => string;

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Only requests whose body matches take this fault (e.g. streamed chat requests). */
  match?: (body: Record<string, unknown>) => boolean;
}

const TEI_MAX_BATCH = 32;

export class StandInInferenceHost {
  readonly calls: Record<string, number> = {};
  readonly requests: { path: string; body: Record<string, unknown>; headers: Record<string, string | string[] | undefined> }[] = [];
  readonly maxInFlight: Record<string, number> = {};
  /** Replies of the chat "model"; replace to script an answer. */
  reply: ChatReply = standInAnswer;
  /** Bearer token the host demands (401 without it). */
  apiKey?: string;
  /** Delay before answering, per path. */
  delayMs: Record<string, number> = {};
  /** Pause between streamed events. */
  streamEventDelayMs = 0;
  /** Chat streams sent to the end ([DONE]), and those the client hung up on before it. */
  streamsCompleted = 0;
  streamsAbandoned = 0;
  private inFlight: Record<string, number> = {};
  private faults: Record<string, Fault[]> = {};
  private cutStreams: number[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly embedder = new HashedNgramEmbedder(64);
  private server!: Server;
  port = 0;

  static async start(): Promise<StandInInferenceHost> {
    const h = new StandInInferenceHost();
    await h.listen(0);
    return h;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next `times` requests to `path` answer with this status instead. */
  fail(path: string, times: number, fault: Fault) {
    for (let i = 0; i < times; i++) (this.faults[path] ??= []).push(fault);
  }

  /** The next chat stream is cut (socket destroyed) after `afterDeltas` content events; queue several for several streams. */
  cutNextStream(afterDeltas: number) {
    this.cutStreams.push(afterDeltas);
  }

  /** Goes down: open connections are destroyed and new ones refused. */
  async stop() {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Comes back up on the same port. */
  async restart() {
    await this.listen(this.port);
  }

  chatRequests() {
    return this.requests.filter((r) => r.path === "/v1/chat/completions");
  }

  private listen(port: number) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    return new Promise<void>((resolve) =>
      this.server.listen(port, "127.0.0.1", () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      }),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const raw = await new Promise<string>((r) => {
      let s = "";
      req.on("data", (c) => (s += c));
      req.on("end", () => r(s));
    });
    this.calls[path] = (this.calls[path] ?? 0) + 1;
    this.inFlight[path] = (this.inFlight[path] ?? 0) + 1;
    this.maxInFlight[path] = Math.max(this.maxInFlight[path] ?? 0, this.inFlight[path]);
    res.on("close", () => {
      this.inFlight[path]--;
    });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw || "{}");
    } catch {
      return send(res, 400, { error: { message: "invalid JSON", type: "invalid_request_error" } });
    }
    this.requests.push({ path, body, headers: req.headers });
    if (this.delayMs[path]) await new Promise((r) => setTimeout(r, this.delayMs[path]));
    if (this.apiKey && req.headers.authorization !== `Bearer ${this.apiKey}`)
      return send(res, 401, { error: { message: "invalid api key", type: "authentication_error" } });
    if (req.method !== "POST") return send(res, 405, { error: { message: "method not allowed" } });
    const queue = this.faults[path] ?? [];
    const at = queue.findIndex((f) => !f.match || f.match(body));
    const fault = at >= 0 ? queue.splice(at, 1)[0] : undefined;
    if (fault) {
      res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      return res.end(fault.body ?? JSON.stringify({ error: { message: `injected ${fault.status}`, type: "server_error" } }));
    }
    switch (path) {
      case "/v1/embeddings":
        return this.openaiEmbeddings(body, res);
      case "/v1/chat/completions":
        return this.chat(body, res);
      case "/embed":
        return this.teiEmbed(body, res);
      case "/rerank":
        return this.teiRerank(body, res);
      case "/v1/rerank":
        return this.vllmRerank(body, res);
      default:
        return send(res, 404, { error: { message: `no route ${path}` } });
    }
  }

  private vector(text: string) {
    return [...this.embedder.embedOne(text)].map((x) => x * 3);
  }

  private openaiEmbeddings(body: Record<string, unknown>, res: ServerResponse) {
    const input = typeof body.input === "string" ? [body.input] : body.input;
    if (!body.model || !Array.isArray(input)) return send(res, 400, { error: { message: "'model' and 'input' are required", type: "invalid_request_error" } });
    send(res, 200, {
      object: "list",
      model: body.model,
      data: input.map((t, index) => ({ object: "embedding", index, embedding: this.vector(String(t)) })).reverse(), // order is by `index`, not position
      usage: { prompt_tokens: input.length * 8, total_tokens: input.length * 8 },
    });
  }

  private teiEmbed(body: Record<string, unknown>, res: ServerResponse) {
    const inputs = typeof body.inputs === "string" ? [body.inputs] : body.inputs;
    if (!Array.isArray(inputs)) return send(res, 422, { error: "inputs must be a string or an array of strings", error_type: "Validation" });
    if (inputs.length > TEI_MAX_BATCH)
      return send(res, 413, { error: `batch size ${inputs.length} > maximum allowed batch size ${TEI_MAX_BATCH}`, error_type: "Validation" });
    send(
      res,
      200,
      inputs.map((t) => this.vector(String(t))),
    );
  }

  private scores(query: string, texts: string[]) {
    return texts.map((t, index) => ({ index, score: lexicalCoverage(query, { text: t, sectionPath: [] }) * 0.98 + 0.01 }));
  }

  private teiRerank(body: Record<string, unknown>, res: ServerResponse) {
    if (typeof body.query !== "string" || !Array.isArray(body.texts))
      return send(res, 422, { error: "query and texts are required", error_type: "Validation" });
    if (body.texts.length > TEI_MAX_BATCH)
      return send(res, 413, { error: `batch size ${body.texts.length} > maximum allowed batch size ${TEI_MAX_BATCH}`, error_type: "Validation" });
    send(
      res,
      200,
      this.scores(body.query, body.texts as string[]).sort((a, b) => b.score - a.score),
    );
  }

  private vllmRerank(body: Record<string, unknown>, res: ServerResponse) {
    if (!body.model || typeof body.query !== "string" || !Array.isArray(body.documents))
      return send(res, 400, { error: { message: "model, query and documents are required" } });
    const docs = body.documents as string[];
    const results = this.scores(body.query, docs)
      .sort((a, b) => b.score - a.score)
      .slice(0, (body.top_n as number) ?? docs.length)
      .map((r) => ({ index: r.index, document: { text: docs[r.index] }, relevance_score: r.score }));
    send(res, 200, { id: "rerank-standin", model: body.model, usage: { total_tokens: docs.length * 16 }, results });
  }

  private async chat(body: Record<string, unknown>, res: ServerResponse) {
    const messages = body.messages as ChatMessageIn[] | undefined;
    if (!body.model || !Array.isArray(messages) || !messages.length)
      return send(res, 400, { error: { message: "'model' and 'messages' are required", type: "invalid_request_error" } });
    const text = this.reply(messages, body);
    const usage = { prompt_tokens: messages.reduce((n, m) => n + Math.ceil(m.content.length / 4), 0), completion_tokens: Math.ceil(text.length / 4) };
    const base = { id: "chatcmpl-standin", created: 0, model: body.model };
    if (!body.stream) {
      return send(res, 200, {
        ...base,
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    let ended = false;
    res.on("close", () => {
      if (!ended && !res.writableEnded) this.streamsAbandoned++;
    });
    const event = (data: unknown) =>
      new Promise<void>((r) =>
        res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`, () =>
          this.streamEventDelayMs ? setTimeout(r, this.streamEventDelayMs) : setImmediate(r),
        ),
      );
    const cutAfter = this.cutStreams.shift();
    await event({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] });
    const pieces = text.match(/\S+\s*/g) ?? [];
    for (const [i, piece] of pieces.entries()) {
      if (cutAfter !== undefined && i >= cutAfter) {
        ended = true;
        res.socket?.destroy();
        return;
      }
      if (res.destroyed) return;
      await event({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    }
    await event({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
    const opts = body.stream_options as { include_usage?: boolean } | undefined;
    if (opts?.include_usage)
      await event({ ...base, object: "chat.completion.chunk", choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
    await event("[DONE]");
    this.streamsCompleted++;
    res.end();
  }
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");

/** The stand-in "model": reads the sources and question out of the prompt and quotes the best sentence. */
export function standInAnswer(messages: ChatMessageIn[]): string {
  const user = messages
    .filter((m) => m.role === "user")
    .map((m) => m.content)
    .join("\n");
  const question = unescape(/<question>\n([\s\S]*?)\n<\/question>/.exec(user)?.[1] ?? "");
  if (/search queries/.test(messages[0]?.content ?? "")) return `${question} definition\n- ${question} explained`;
  const sources = [...user.matchAll(/<source n="(\d+)"[^>]*>\n([\s\S]*?)\n<\/source>/g)].map((m) => ({
    n: Number(m[1]),
    documentKey: "",
    text: unescape(m[2]),
  }));
  const picked = selectSentences({ question, sources }, { maxSentences: 2, minCoverage: 0.34 });
  return picked.length ? picked.map((p) => `${p.text} [${p.n}]`).join(" ") : NO_ANSWER;
}
