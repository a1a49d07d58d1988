// Stops calling a host that keeps failing: after `threshold` consecutive failures the circuit opens
// and calls fail fast for `cooldownMs`; then one trial call is let through (half-open), and its
// outcome closes or re-opens the circuit.

export type CircuitState = "closed" | "open" | "half-open";

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private state: CircuitState = "closed";
  private trialInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): CircuitState {
    if (this.state === "open" && this.now() - this.openedAt >= this.cooldownMs) this.state = "half-open";
    return this.state;
  }

  /** Whether a call may go out now; in half-open, only one trial at a time. */
  tryAcquire(): boolean {
    const s = this.current;
    if (s === "closed") return true;
    if (s === "half-open" && !this.trialInFlight) return (this.trialInFlight = true);
    return false;
  }

  /** Ms until the circuit lets a trial through. */
  retryInMs(): number {
    return Math.max(0, this.cooldownMs - (this.now() - this.openedAt));
  }

  success() {
    this.failures = 0;
    this.state = "closed";
    this.trialInFlight = false;
  }

  /** The call was given up by its caller: no verdict on the host, but a half-open trial slot is freed. */
  abandon() {
    this.trialInFlight = false;
  }

  failure() {
    this.trialInFlight = false;
    this.failures++;
    if (this.state === "half-open" || this.failures >= this.threshold) {
      this.state = "open";
      this.openedAt = this.now();
    }
  }

  get consecutiveFailures() {
    return this.failures;
  }
}
