export interface QueueMessage {
  id: string;
  /** Opaque handle for delete / visibility changes of this delivery. */
  receiptHandle: string;
  body: string;
  /** How many times this message has been received, this delivery included. */
  receiveCount: number;
  sentAt: string;
  attributes?: Record<string, string>;
}

export interface ReceiveOptions {
  maxMessages: number;
  visibilityTimeoutSeconds: number;
  /** Long poll: wait up to this long for a message. */
  waitSeconds?: number;
  /** After this many receives the message goes to the queue's dead-letter queue instead. */
  maxReceives?: number;
}

export interface Queue {
  readonly name: string;
  send(queue: string, body: string, opts?: { delaySeconds?: number; attributes?: Record<string, string> }): Promise<string>;
  sendBatch(queue: string, bodies: string[]): Promise<string[]>;
  receive(queue: string, opts: ReceiveOptions): Promise<QueueMessage[]>;
  delete(queue: string, receiptHandle: string): Promise<void>;
  changeVisibility(queue: string, receiptHandle: string, seconds: number): Promise<void>;
  /** Approximate number of waiting (visible or delayed) and in-flight messages. */
  depth(queue: string): Promise<{ visible: number; inFlight: number }>;
}

/** The dead-letter queue's name for a queue; the same convention on every backend. */
export const dlqName = (queue: string) => `${queue}-dlq`;

/**
 * Seconds a failed message stays invisible before its next receive: 2^receives, at most 60 s and at
 * most the queue's visibility timeout. The same on every runtime: the host's poller and the Lambda
 * handler both set it (without it, a failed record on Lambda waits out the whole visibility timeout).
 */
export const retryDelaySeconds = (receiveCount: number, visibilityTimeoutSeconds: number) =>
  Math.min(visibilityTimeoutSeconds, 60, 2 ** Math.max(1, receiveCount));

/** A message whose lease was held by a worker that is gone, claimed back by a live instance. */
export interface LostLease {
  queue: string;
  messageId: string;
  /** The claimer's receipt (the lost worker's receipt no longer works). */
  receiptHandle: string;
  body: string;
  /** Receives so far: the lost attempt was this one. */
  receiveCount: number;
  /** When the lost worker was last seen alive (its last heartbeat, or the lease time). */
  lostAt: string;
}

/**
 * Queues whose leases the host owns (embedded SQLite): leases of lost workers are released at once.
 * On SQS the service owns leases; a lost invocation's message returns after its visibility timeout.
 */
export interface LeaseRecovery {
  startHeartbeat(periodMs: number): void;
  stopHeartbeat(): void;
  /** Claims (and fences) the leases of lost instances, keeping them invisible for holdSeconds. */
  claimLost(holdSeconds?: number): LostLease[];
  /** Makes claimed leases visible now. */
  release(leases: LostLease[]): void;
}

export const hasLeaseRecovery = (q: Queue): q is Queue & LeaseRecovery =>
  typeof (q as Partial<LeaseRecovery>).claimLost === "function" && typeof (q as Partial<LeaseRecovery>).release === "function";
