// Error taxonomy: a stable `code` for users, `status` for HTTP, `retryable` for queues.

export class RaglineError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly details?: unknown;

  constructor(code: string, message: string, opts: { status?: number; retryable?: boolean; details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = opts.status ?? 500;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
  }
}

export class ValidationError extends RaglineError {
  constructor(message: string, details?: unknown) {
    super("invalid_request", message, { status: 400, details });
  }
}

export class NotFoundError extends RaglineError {
  constructor(what: string) {
    super("not_found", `${what} not found`, { status: 404 });
  }
}

export class ConflictError extends RaglineError {
  constructor(message: string, details?: unknown) {
    super("conflict", message, { status: 409, details });
  }
}

export class TooManyRequestsError extends RaglineError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super("too_many_requests", message, { status: 429, retryable: true });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The document itself is bad (corrupt, encrypted, unsupported): never retried, the document fails. */
export class DocumentError extends RaglineError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { status: 422, cause });
  }
}

/** A dependency failed in a way that may pass on retry (network, 5xx, busy). */
export class TransientError extends RaglineError {
  constructor(message: string, cause?: unknown) {
    super("transient", message, { status: 503, retryable: true, cause });
  }
}
