import type { JobEvent } from "../domain/job";

/** Pushes job events to live subscribers (WebSocket connections). */
export interface Notifier {
  readonly name: string;
  /** Send one frame to one connection; returns false when the connection is gone. */
  send(connectionId: string, frame: unknown): Promise<boolean>;
  /**
   * Start following a job on a connection: deliver the logged events after `afterSeq`, then live ones.
   * The subscription itself is recorded in the JobStore by the caller.
   */
  follow(connectionId: string, jobId: string, afterSeq: number): Promise<void>;
  /** Deliver a freshly appended event to everyone following the job. */
  publish(event: JobEvent): Promise<void>;
}
