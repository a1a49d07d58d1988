import { FINAL_EVENTS, type JobEvent } from "../../domain/job";
import type { JobStore } from "../../ports/job-store";
import type { Notifier } from "../../ports/notifier";

// Delivers job events to WebSocket connections held by this process. Each (connection, job) pair
// tracks the last sequence number sent, and fills any gap from the job's log, so a subscriber
// always receives events in order, without gaps or repeats, whichever process appended them.

export interface ConnectionSink {
  send(frame: string): boolean;
}

interface Follow {
  lastSeq: number;
  chain: Promise<void>;
}

export class LocalNotifier implements Notifier {
  readonly name = "local-websocket";
  private readonly sinks = new Map<string, ConnectionSink>();
  private readonly follows = new Map<string, Map<string, Follow>>(); // connectionId → jobId → state
  private pump?: NodeJS.Timeout;

  constructor(
    private readonly jobs: JobStore,
    private readonly pollMs = 250,
  ) {}

  attach(connectionId: string, sink: ConnectionSink) {
    this.sinks.set(connectionId, sink);
    // Events appended by other processes (host replicas) are picked up by a light poll of the log.
    this.pump ??= setInterval(() => void this.pumpAll(), this.pollMs).unref();
  }

  detach(connectionId: string) {
    this.sinks.delete(connectionId);
    this.follows.delete(connectionId);
    if (!this.sinks.size && this.pump) {
      clearInterval(this.pump);
      this.pump = undefined;
    }
  }

  async send(connectionId: string, frame: unknown): Promise<boolean> {
    const sink = this.sinks.get(connectionId);
    return sink ? sink.send(JSON.stringify(frame)) : false;
  }

  async follow(connectionId: string, jobId: string, afterSeq: number): Promise<void> {
    if (!this.sinks.has(connectionId)) return;
    const jobs = this.follows.get(connectionId) ?? new Map<string, Follow>();
    this.follows.set(connectionId, jobs);
    const f: Follow = { lastSeq: afterSeq, chain: Promise.resolve() };
    jobs.set(jobId, f);
    await this.catchUp(connectionId, jobId, f);
  }

  async publish(event: JobEvent): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const [connectionId, jobs] of this.follows) {
      const f = jobs.get(event.jobId);
      if (f && event.seq > f.lastSeq) pending.push(this.catchUp(connectionId, event.jobId, f));
    }
    await Promise.all(pending);
  }

  /** Serialised per (connection, job): read the log after lastSeq and send in order. */
  private catchUp(connectionId: string, jobId: string, f: Follow): Promise<void> {
    f.chain = f.chain
      .then(async () => {
        const events = await this.jobs.events(jobId, f.lastSeq);
        for (const e of events) {
          if (!(await this.send(connectionId, e))) return;
          f.lastSeq = e.seq;
          // A finished job sends nothing more: stop following it.
          if (FINAL_EVENTS.includes(e.type)) this.follows.get(connectionId)?.delete(jobId);
        }
      })
      .catch(() => undefined);
    return f.chain;
  }

  private async pumpAll() {
    for (const [connectionId, jobs] of this.follows) for (const [jobId, f] of jobs) void this.catchUp(connectionId, jobId, f);
  }

  close() {
    if (this.pump) clearInterval(this.pump);
  }
}
