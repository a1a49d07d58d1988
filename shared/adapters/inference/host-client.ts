import { RaglineError, TransientError } from "../../domain/errors";
import { backoffDelay, retryAfterMs, sleep } from "./backoff";
import { CircuitBreaker } from "./circuit-breaker";
import { Semaphore } from "./semaphore";
import { sseData } from "./sse";

// One inference host spoken to over HTTP (JSON requests, JSON or SSE responses) with the
// protections a GPU host needs from its clients: a timeout per attempt, retries with backoff and
// jitter on 429/5xx/connection errors (Retry-After honoured), a concurrency cap and a circuit
// breaker shared by every client of the same host in this process.

export interface InferenceHostOptions {
  baseUrl: string;
  apiKey?: string;
  /** What is asked of the host, for messages: "embeddings", "chat", "rerank". */
  label: string;
  /** Per attempt; for streams, the wait for headers and then for each next chunk. */
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** Requests in flight to this host at most (per process). */
  concurrency: number;
  breakerFailures: number;
  breakerCooldownMs: number;
}

export interface HostGuards {
  semaphore: Semaphore;
  breaker: CircuitBreaker;
  lastFailure?: string;
}

const guardsByOrigin = new Map<string, HostGuards>();

/** The guards of a host (by origin), shared by its embedder, reranker and generator clients. */
export function guardsFor(opts: InferenceHostOptions): HostGuards {
  const origin = new URL(opts.baseUrl).origin;
  let g = guardsByOrigin.get(origin);
  if (!g)
    guardsByOrigin.set(origin, (g = { semaphore: new Semaphore(opts.concurrency), breaker: new CircuitBreaker(opts.breakerFailures, opts.breakerCooldownMs) }));
  return g;
}

export class InferenceHost {
  readonly baseUrl: string;

  constructor(
    readonly opts: InferenceHostOptions,
    private readonly guards: HostGuards = guardsFor(opts),
  ) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
  }

  async json<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const { res } = await this.send(path, body, signal, false);
    return res as T;
  }

  /** Opens an SSE stream; yields each event's data. A stream cut off mid-way throws a TransientError. */
  async *stream(path: string, body: unknown, signal?: AbortSignal): AsyncIterable<string> {
    const { res, release, controller } = await this.send(path, body, signal, true);
    const response = res as Response;
    const onAbort = () => controller.abort(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new Error(`no data for ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    };
    let events = 0;
    let finished = false;
    try {
      armIdle();
      for await (const data of sseData(response.body!, armIdle)) {
        events++;
        yield data;
      }
      finished = true;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      this.guards.breaker.failure();
      this.guards.lastFailure = `stream broke: ${describe(controller.signal.reason ?? err)}`;
      throw new TransientError(
        `${this.opts.label} host ${this.baseUrl}${path}: stream broke after ${events} events: ${describe(controller.signal.reason ?? err)}`,
        err,
      );
    } finally {
      clearTimeout(idle);
      signal?.removeEventListener("abort", onAbort);
      if (!finished) controller.abort(); // the consumer stopped early or the stream failed: free the connection
      release();
    }
  }

  private async send(path: string, body: unknown, signal: AbortSignal | undefined, streaming: boolean) {
    const { opts, guards } = this;
    const url = `${this.baseUrl}${path}`;
    const release = await guards.semaphore.acquire(signal);
    let handedOver = false;
    try {
      let last = "";
      for (let attempt = 1; ; attempt++) {
        if (!guards.breaker.tryAcquire()) {
          throw new TransientError(
            `${opts.label} host ${this.baseUrl} is failing: circuit open after ${guards.breaker.consecutiveFailures} consecutive failures (last: ${last || guards.lastFailure || "unknown"}); next try in ${Math.ceil(guards.breaker.retryInMs() / 1000)} s`,
          );
        }
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(new Error(`timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
        const onAbort = () => controller.abort(signal!.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        let retryDelay: number | undefined;
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              accept: streaming ? "text/event-stream" : "application/json",
              ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
            },
            body: JSON.stringify(body),
            signal: controller.signal,
          });
          if (res.ok) {
            if (streaming) {
              clearTimeout(timer);
              guards.breaker.success();
              handedOver = true;
              return { res, release, controller };
            }
            const parsed = JSON.parse(await res.text()) as unknown;
            guards.breaker.success();
            return { res: parsed, release, controller };
          }
          const detail = (await res.text().catch(() => "")).slice(0, 300);
          if (res.status !== 429 && res.status < 500) {
            guards.breaker.success(); // the host is up; the request is wrong, and retrying will not help
            throw new RaglineError("inference_rejected", `${opts.label} host ${url} refused the request (${res.status}): ${detail}`, {
              status: 502,
              retryable: false,
            });
          }
          if (res.status === 429)
            guards.breaker.success(); // busy, not broken
          else guards.breaker.failure();
          last = guards.lastFailure = `HTTP ${res.status}${detail ? ` ${detail}` : ""}`;
          retryDelay = retryAfterMs(res.headers.get("retry-after"), opts.maxBackoffMs);
        } catch (err) {
          if (err instanceof RaglineError) throw err;
          if (signal?.aborted) {
            guards.breaker.abandon();
            throw signal.reason;
          }
          guards.breaker.failure();
          last = guards.lastFailure = describe(controller.signal.aborted ? controller.signal.reason : err);
        } finally {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        }
        if (attempt > opts.retries) {
          throw new TransientError(`${opts.label} host ${url} failed after ${attempt} attempts: ${last}`);
        }
        await sleep(retryDelay ?? backoffDelay(attempt, opts.backoffMs, opts.maxBackoffMs), signal);
      }
    } finally {
      if (!handedOver) release();
    }
  }
}

/** The useful part of a fetch failure: undici hides the socket error in `cause`. */
export function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  if (e?.cause?.code) return `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ""}`;
  if (e?.cause?.message) return e.cause.message;
  return e?.message ?? String(err);
}
