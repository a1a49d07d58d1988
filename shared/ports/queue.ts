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
