import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../../shared/adapters/inference/circuit-breaker";
import { InferenceHost, type HostGuards, type InferenceHostOptions } from "../../../shared/adapters/inference/host-client";
import { OpenAIChatGenerator } from "../../../shared/adapters/inference/openai-chat-generator";
import { OpenAIEmbedder } from "../../../shared/adapters/inference/openai-embedder";
import { Semaphore } from "../../../shared/adapters/inference/semaphore";
import { TeiEmbedder } from "../../../shared/adapters/inference/tei-embedder";
import { TeiReranker } from "../../../shared/adapters/inference/tei-reranker";
import type { TokenUsage } from "../../../shared/text/tokens";
import { VllmReranker } from "../../../shared/adapters/inference/vllm-reranker";
import type { ScoredChunk } from "../../../shared/domain/chunk";
import { RaglineError, TransientError } from "../../../shared/domain/errors";
import { StandInInferenceHost } from "../../helpers/inference-server";
import { waitFor } from "../../helpers/tmp";

// Inference clients against a STAND-IN host (no model runs here): real HTTP on loopback, the
// OpenAI-compatible, TEI and vLLM wire formats, with injected faults.

let server: StandInInferenceHost;
beforeEach(async () => {
  server = await StandInInferenceHost.start();
});
afterEach(async () => {
  await server.stop();
});

function hostFor(label: string, over: Partial<InferenceHostOptions> = {}, guards?: HostGuards) {
  const opts: InferenceHostOptions = {
    baseUrl: server.url,
    label,
    timeoutMs: 2_000,
    retries: 2,
    backoffMs: 1,
    maxBackoffMs: 5,
    concurrency: 4,
    breakerFailures: 50,
    breakerCooldownMs: 60_000,
    ...over,
  };
  return new InferenceHost(
    opts,
    guards ?? { semaphore: new Semaphore(opts.concurrency), breaker: new CircuitBreaker(opts.breakerFailures, opts.breakerCooldownMs) },
  );
}

const chunk = (i: number, text: string): ScoredChunk => ({
  id: `c${i}`,
  documentKey: `d${i}.txt`,
  version: "v",
  ordinal: 0,
  text,
  sectionPath: [],
  kind: "text",
  metadata: {},
  score: 1 / (i + 1),
});
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe("embedders against the stand-in host", () => {
  it("OpenAI /v1/embeddings: batches, orders by index, normalises, learns dimensions, sends the API key", async () => {
    server.apiKey = "sk-standin-0123456789";
    const e = new OpenAIEmbedder(hostFor("embeddings", { apiKey: "sk-standin-0123456789" }), { model: "standin-embed", batchSize: 2, queryPrefix: "query: " });
    const texts = ["alpha beta", "gamma delta", "epsilon zeta"];
    const vs = await e.embed(texts, "query");
    expect(server.calls["/v1/embeddings"]).toBe(2);
    expect(server.requests[0].body).toMatchObject({ model: "standin-embed", input: ["query: alpha beta", "query: gamma delta"] });
    expect(e.dimensions).toBe(64);
    vs.forEach((v) => expect(norm(v)).toBeCloseTo(1, 5));
    const [again] = await e.embed(["epsilon zeta"], "query");
    expect([...again]).toEqual([...vs[2]]); // the reversed response was put back in input order
  });

  it("TEI /embed: never sends more than the host's batch limit", async () => {
    const e = new TeiEmbedder(hostFor("embeddings"), { model: "standin-embed", batchSize: 32 });
    const vs = await e.embed(
      Array.from({ length: 70 }, (_, i) => `text number ${i}`),
      "document",
    );
    expect(vs).toHaveLength(70);
    expect(server.calls["/embed"]).toBe(3);
  });

  it("a model whose dimensions differ from the configured ones is refused", async () => {
    const e = new TeiEmbedder(hostFor("embeddings"), { model: "standin-embed", batchSize: 8, dimensions: 384 });
    await expect(e.embed(["x"], "document")).rejects.toThrow(/64-dimensional vectors, expected 384/);
  });
});

describe("rerankers against the stand-in host", () => {
  const chunks = [chunk(0, "Cats sleep a lot."), chunk(1, "Parental leave lasts sixteen weeks."), chunk(2, "Leave requests go to HR.")];
  for (const [name, make, path] of [
    ["TEI /rerank", () => new TeiReranker(hostFor("rerank"), "standin-rerank"), "/rerank"],
    ["vLLM /v1/rerank", () => new VllmReranker(hostFor("rerank"), "standin-rerank"), "/v1/rerank"],
  ] as const) {
    it(`${name}: orders by cross-encoder score, keeps top K, scores replace fused ones`, async () => {
      const out = await make().rerank("how long is parental leave", chunks, 2);
      expect(out.map((c) => c.id)).toEqual(["c1", "c2"]);
      expect(out[0].score).toBeGreaterThan(out[1].score);
      expect(out[0].score).not.toBe(chunks[1].score);
      expect(server.calls[path]).toBe(1);
    });
  }
});

describe("chat completions (SSE) against the stand-in host", () => {
  const sources = [{ n: 1, documentKey: "hr/leave.md", text: "Parental leave lasts sixteen weeks at full pay." }];

  it("forwards streamed deltas in order as they arrive, and reports the server's token usage", async () => {
    server.reply = () => "one two three four five six";
    server.streamEventDelayMs = 15;
    let usage: TokenUsage | undefined;
    const g = new OpenAIChatGenerator(hostFor("chat"), { model: "standin-llm", maxTokens: 64, temperature: 0 });
    const deltas: string[] = [];
    let completedAtFirstDelta = -1;
    for await (const d of g.generate({
      question: "q",
      sources,
      onUsage: (u: TokenUsage) => {
        usage = u;
      },
    } as never)) {
      if (!deltas.length) completedAtFirstDelta = server.streamsCompleted;
      deltas.push(d);
    }
    expect(deltas).toEqual(["one ", "two ", "three ", "four ", "five ", "six"]);
    expect(completedAtFirstDelta).toBe(0); // the first delta came before the host finished the stream
    expect(usage).toMatchObject({ source: "server" });
    expect(usage!.completionTokens).toBeGreaterThan(0);
    const body = server.chatRequests()[0].body;
    expect(body).toMatchObject({ model: "standin-llm", stream: true, max_tokens: 64, stream_options: { include_usage: true } });
  });

  it("a stream cut mid-way is a retryable failure, not a short answer", async () => {
    server.reply = () => "one two three four five six";
    server.cutNextStream(2);
    const g = new OpenAIChatGenerator(hostFor("chat"), { model: "standin-llm", maxTokens: 64, temperature: 0 });
    const got: string[] = [];
    const run = async () => {
      for await (const d of g.generate({ question: "q", sources })) got.push(d);
    };
    const err = await run().catch((e) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/chat host http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: stream broke/);
    expect(got).toEqual(["one ", "two "]);
  });

  it("the caller's abort signal ends a stream in progress and hangs up on the host", async () => {
    server.reply = () => "one two three four five six";
    server.streamEventDelayMs = 30;
    const ac = new AbortController();
    const g = new OpenAIChatGenerator(hostFor("chat"), { model: "standin-llm", maxTokens: 64, temperature: 0 });
    const got: string[] = [];
    const run = async () => {
      for await (const d of g.generate({ question: "q", sources, signal: ac.signal })) {
        got.push(d);
        ac.abort(new Error("job cancelled"));
      }
    };
    await expect(run()).rejects.toThrow("job cancelled");
    expect(got).toEqual(["one "]);
    await waitFor(() => server.streamsAbandoned === 1, "the host to see the stream abandoned", 10_000, 10);
    expect(server.streamsAbandoned).toBe(1);
  });

  it("complete() answers non-streamed prompts (used for query rewriting)", async () => {
    server.reply = () => "rewritten query";
    const g = new OpenAIChatGenerator(hostFor("chat"), { model: "standin-llm", maxTokens: 64, temperature: 0 });
    const r = await g.complete([{ role: "user", content: "hi" }]);
    expect(r.text).toBe("rewritten query");
    expect(server.chatRequests()[0].body.stream).toBe(false);
  });
});

describe("resilience: retries, timeouts, concurrency cap, circuit breaker", () => {
  const embed = (host: InferenceHost) => new OpenAIEmbedder(host, { model: "m", batchSize: 8 }).embed(["x"], "query");

  it("retries a 429 (honouring Retry-After) and a 503, then succeeds", async () => {
    server.fail("/v1/embeddings", 1, { status: 429, headers: { "retry-after": "0" } });
    server.fail("/v1/embeddings", 1, { status: 503 });
    await expect(embed(hostFor("embeddings"))).resolves.toHaveLength(1);
    expect(server.calls["/v1/embeddings"]).toBe(3);
  });

  it("gives up after the retries with a reason naming the host and the last error", async () => {
    server.fail("/v1/embeddings", 5, { status: 502 });
    const err = await embed(hostFor("embeddings", { retries: 2 })).catch((e) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/^embeddings host http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings failed after 3 attempts: HTTP 502/);
    expect(server.calls["/v1/embeddings"]).toBe(3);
  });

  it("does not retry a request the host rejects (4xx other than 429)", async () => {
    server.fail("/v1/embeddings", 1, { status: 400, body: '{"error":{"message":"bad model"}}' });
    const err = await embed(hostFor("embeddings")).catch((e) => e);
    expect(err).toBeInstanceOf(RaglineError);
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/refused the request \(400\).*bad model/);
    expect(server.calls["/v1/embeddings"]).toBe(1);
  });

  it("retries connection errors and times out a host that does not answer", async () => {
    server.delayMs["/v1/embeddings"] = 300;
    const slow = await embed(hostFor("embeddings", { timeoutMs: 50, retries: 1 })).catch((e) => e);
    expect(slow.message).toMatch(/failed after 2 attempts: timed out after 50 ms/);
    const url = server.url;
    await server.stop();
    const down = await embed(new InferenceHost({ ...hostFor("embeddings").opts, baseUrl: url, retries: 1 })).catch((e) => e);
    expect(down).toBeInstanceOf(TransientError);
    expect(down.message).toMatch(/failed after 2 attempts: ECONNREFUSED/);
    await server.restart();
  });

  it("caps requests in flight per host", async () => {
    server.delayMs["/v1/embeddings"] = 40;
    const host = hostFor("embeddings", { concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => embed(host)));
    expect(server.calls["/v1/embeddings"]).toBe(6);
    expect(server.maxInFlight["/v1/embeddings"]).toBe(2);
  });

  it("opens the circuit after repeated failures (fails fast, no calls), then closes after a good trial", async () => {
    let now = 0;
    const guards = { semaphore: new Semaphore(4), breaker: new CircuitBreaker(3, 1_000, () => now) };
    const host = hostFor("embeddings", { retries: 0 }, guards);
    server.fail("/v1/embeddings", 3, { status: 500 });
    for (let i = 0; i < 3; i++) await expect(embed(host)).rejects.toThrow(/HTTP 500/);
    const open = await embed(host).catch((e) => e);
    expect(open.message).toMatch(/circuit open after 3 consecutive failures \(last: HTTP 500/);
    expect(server.calls["/v1/embeddings"]).toBe(3); // no call went out
    now += 1_000;
    await expect(embed(host)).resolves.toHaveLength(1);
    expect(guards.breaker.current).toBe("closed");
  });
});
