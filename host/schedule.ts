import { logger } from "../shared/observability/logger";
import { runWithTimeout } from "./lambda-context";

// Schedules in AWS `rate(...)` form, run by the host on timers.
// Kept by hand rather than croner: the topology has only rate(N unit) schedules (a period, not a calendar),
// and what this file does is the part croner does not: a start clock kept across restarts and replicas,
// a lease so replicas run a tick once, a timeout with abort. croner fits once a `cron(...)` schedule appears.

const UNIT_MS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

export function rateMs(expression: string): number {
  const m = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (!m) throw new Error(`unsupported schedule expression "${expression}" (the host runs rate(N unit))`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

export function scheduledEvent(name: string) {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "local",
    time: new Date().toISOString(),
    region: "local",
    resources: [`arn:ragline:events:local:rule/${name}`],
    detail: {},
  };
}

/** A lease by name shared by replicas (the embedded queue offers one); absent: only this process is guarded. */
export interface NamedLease {
  tryLease(name: string, ttlMs: number): boolean;
  releaseLease(name: string): void;
}

/**
 * When each schedule last started, kept across restarts. Without it a timer starts from zero at each
 * start: a host restarted more often than a schedule's period (a deploy a day, a laptop) never runs
 * its daily eval or its hourly reconciliation.
 */
export interface ScheduleClock {
  lastStart(name: string): number | undefined;
  recordStart(name: string, at: number): void;
}

/**
 * Runs a scheduled function every `everyMs`, never beside itself: a tick while the previous run is
 * still going (in this process, or in another replica holding the lease) is skipped and logged.
 * `run` gets a signal aborted at the function's timeout; the lease is held until the run has ended.
 * With a clock, the period counts from the last start recorded (here or by another replica), not
 * from this process's start.
 */
export class ScheduleRunner {
  private timer?: NodeJS.Timeout;
  private current?: Promise<"ran" | "skipped" | "not-due">;
  stats = { runs: 0, skipped: 0, failed: 0, notDue: 0 };

  constructor(
    private readonly o: {
      name: string;
      everyMs: number;
      timeoutSeconds: number;
      lease?: NamedLease;
      clock?: ScheduleClock;
      now?: () => number;
      run: (signal: AbortSignal) => Promise<unknown>;
    },
  ) {}

  private now() {
    return (this.o.now ?? Date.now)();
  }

  /** Ms until the next run is due: the rest of the period since the last recorded start (a whole period without one). */
  dueInMs(): number {
    const last = this.o.clock?.lastStart(this.o.name);
    return last === undefined ? this.o.everyMs : Math.min(this.o.everyMs, Math.max(0, last + this.o.everyMs - this.now()));
  }

  start() {
    const { clock, name } = this.o;
    // Never ran: the first period starts now, and a restart does not start it again.
    if (clock && clock.lastStart(name) === undefined) clock.recordStart(name, this.now());
    // A timer tick runs only when due by the clock (another replica may have run it meanwhile).
    const arm = (ms: number) => {
      this.timer = setTimeout(
        () =>
          void this.tick({ ifDue: true }).finally(() => {
            if (this.timer) arm(this.dueInMs() || this.o.everyMs);
          }),
        ms,
      );
      this.timer.unref();
    };
    arm(this.dueInMs());
  }

  /** One tick: runs unless a run is under way here or elsewhere. Resolves when this tick's run has ended. */
  tick(opts: { ifDue?: boolean } = {}): Promise<"ran" | "skipped" | "not-due"> {
    if (this.current) return this.skip();
    const p = this.runOnce(opts.ifDue ?? false);
    this.current = p;
    return p.finally(() => {
      if (this.current === p) this.current = undefined;
    });
  }

  private skip(): Promise<"skipped"> {
    this.stats.skipped++;
    logger.warn("scheduled function still running; this tick is skipped", { function: this.o.name });
    return Promise.resolve("skipped");
  }

  private async runOnce(ifDue: boolean): Promise<"ran" | "skipped" | "not-due"> {
    const { name, lease } = this.o;
    const leaseName = `schedule:${name}`;
    // Held a little past the timeout (renewed while the run lasts): an aborted run still stopping keeps it.
    const ttlMs = this.o.timeoutSeconds * 1000 + 60_000;
    const take = () => {
      try {
        return !lease || lease.tryLease(leaseName, ttlMs);
      } catch (err) {
        logger.warn("schedule lease unavailable", { function: name, error: err as Error });
        return false;
      }
    };
    if (!take()) return this.skip();
    // Checked under the lease: two replicas whose timers fire together run it once.
    if (ifDue && this.o.clock && this.dueInMs() > 0) {
      this.stats.notDue++;
      try {
        lease?.releaseLease(leaseName);
      } catch {
        /* expires by itself */
      }
      return "not-due";
    }
    this.o.clock?.recordStart(name, this.now());
    const run = runWithTimeout((signal) => this.o.run(signal), this.o.timeoutSeconds, name);
    const renew = lease ? setInterval(take, ttlMs / 3) : undefined;
    this.stats.runs++;
    try {
      await run.result;
    } catch (err) {
      this.stats.failed++;
      logger.error("scheduled function failed", { function: name, error: err as Error });
    } finally {
      await run.settled; // an aborted run keeps its lease until it has stopped
      if (renew) clearInterval(renew);
      try {
        lease?.releaseLease(leaseName);
      } catch {
        /* expires by itself */
      }
    }
    return "ran";
  }

  async stop() {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
  }
}
