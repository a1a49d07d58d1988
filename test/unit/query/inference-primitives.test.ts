import { describe, expect, it } from "vitest";
import { backoffDelay, retryAfterMs } from "../../../shared/adapters/inference/backoff";
import { CircuitBreaker } from "../../../shared/adapters/inference/circuit-breaker";
import { Semaphore } from "../../../shared/adapters/inference/semaphore";
import { sseData } from "../../../shared/adapters/inference/sse";
import { estimateTokens } from "../../../shared/text/tokens";

function streamOf(parts: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      parts.forEach((p) => c.enqueue(enc.encode(p)));
      c.close();
    },
  });
}
const collect = async (parts: string[]) => {
  const out: string[] = [];
  for await (const d of sseData(streamOf(parts))) out.push(d);
  return out;
};

describe("inference primitives", () => {
  it("SSE: events split across chunks, CRLF framing (even split between chunks), multi-line data, comments; a cut-off event is dropped", async () => {
    expect(await collect(['data: {"a":', "1}\n\nda", "ta: two\n\n"])).toEqual(['{"a":1}', "two"]);
    expect(await collect(["data: x\r", "\n\r\n: comment\r\n\r\ndata: y\r\ndata: z\r\n\r\n"])).toEqual(["x", "y\nz"]);
    expect(await collect(["data: complete\n\ndata: cut off"])).toEqual(["complete"]);
  });

  it("backoff: full jitter under an exponential ceiling; Retry-After in seconds or as a date, capped", () => {
    expect(backoffDelay(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(4, 100, 10_000, () => 1)).toBe(800);
    expect(backoffDelay(20, 100, 10_000, () => 1)).toBe(10_000);
    expect(backoffDelay(3, 100, 10_000, () => 0.5)).toBe(200);
    expect(retryAfterMs("2", 10_000)).toBe(2_000);
    expect(retryAfterMs("120", 10_000)).toBe(10_000);
    expect(retryAfterMs(new Date(61_000).toUTCString(), 100_000, 1_000)).toBe(60_000);
    expect(retryAfterMs(null, 10_000)).toBeUndefined();
  });

  it("circuit breaker: opens at the threshold, lets one trial through after the cool-down, re-opens if it fails", () => {
    let now = 0;
    const b = new CircuitBreaker(2, 100, () => now);
    b.failure();
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.tryAcquire()).toBe(false);
    now = 100;
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // one trial at a time
    b.failure();
    expect(b.current).toBe("open");
    now = 200;
    expect(b.tryAcquire()).toBe(true);
    b.success();
    expect(b.current).toBe("closed");
  });

  it("semaphore: FIFO beyond the limit; an aborted waiter leaves the queue", async () => {
    const s = new Semaphore(1);
    const order: number[] = [];
    const r1 = await s.acquire();
    const ac = new AbortController();
    const w2 = s.acquire(ac.signal).then(
      () => order.push(2),
      () => order.push(-2),
    );
    const w3 = s.acquire().then((r) => {
      order.push(3);
      r();
    });
    ac.abort();
    r1();
    await Promise.all([w2, w3]);
    expect(order).toEqual([-2, 3]);
    expect(s.inUse).toBe(0);
  });

  it("token estimate: close to BPE counts for English text", () => {
    expect(estimateTokens("")).toBe(0);
    const text = "Parental leave lasts sixteen weeks at full pay, and employees apply through the HR portal.";
    expect(estimateTokens(text)).toBeGreaterThanOrEqual(17); // cl100k: 18
    expect(estimateTokens(text)).toBeLessThanOrEqual(21);
    expect(estimateTokens("120000")).toBe(2);
    expect(estimateTokens("東京都の人口")).toBe(6);
  });
});
