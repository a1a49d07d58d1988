import { randomUUID } from "node:crypto";
import type { Context as LambdaContext } from "aws-lambda";

/** The host's Lambda context: Lambda's fields, plus a signal aborted when the invocation times out. */
export type HostLambdaContext = LambdaContext & { abortSignal?: AbortSignal };

/** The Lambda context object a handler receives, as the host provides it. */
export function lambdaContext(functionName: string, timeoutSeconds: number, abortSignal?: AbortSignal): HostLambdaContext {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:ragline:host:local:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/ragline/${functionName}`,
    logStreamName: String(process.pid),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
    abortSignal,
  };
}

export class InvocationTimeout extends Error {
  constructor(what: string, seconds: number) {
    super(`${what} timed out after ${seconds}s`);
    this.name = "InvocationTimeout";
  }
}

/**
 * Runs an invocation with the function's timeout, as Lambda would cut it off: at the deadline
 * `abort` is aborted (the core stops at its next stage boundary) and the returned promise rejects.
 * `settled` resolves only when the invocation itself has ended, so a caller can fence its message
 * (keep it leased) until then: a redelivery never runs beside an invocation that is still going.
 */
export function runWithTimeout<T>(run: (signal: AbortSignal) => Promise<T>, seconds: number, what: string): { result: Promise<T>; settled: Promise<void> } {
  const abort = new AbortController();
  const p = Promise.resolve().then(() => run(abort.signal));
  const settled = p.then(
    () => undefined,
    () => undefined,
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new InvocationTimeout(what, seconds);
      abort.abort(err);
      reject(err);
    }, seconds * 1000);
  });
  const result = Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  return { result, settled };
}

/** Runs a promise with the function's timeout (no abort: for callers that cannot take a signal). */
export async function withTimeout<T>(p: Promise<T>, seconds: number, what: string): Promise<T> {
  return runWithTimeout(() => p, seconds, what).result;
}
