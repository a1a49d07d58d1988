import type { JobEvent } from "../domain/job";

// How a client rebuilds the answer from a job's event log: each delta writes its text at its
// offset; a `stage generate restarted` event discards what was streamed before it. Retried
// generation therefore never duplicates answer text.

export function answerFromEvents(events: Pick<JobEvent, "type" | "data">[]): string {
  let text = "";
  for (const e of events) {
    if (e.type === "stage" && e.data.stage === "generate" && e.data.status === "restarted") text = "";
    if (e.type === "delta") text = text.slice(0, Number(e.data.offset ?? text.length)) + String(e.data.text);
  }
  return text;
}

export type ResumeStep = { kind: "restart" } | { kind: "delta"; text: string; offset: number };

/**
 * Continues a stream that a crashed attempt already partly logged (`logged`). While the new text
 * agrees with the logged prefix nothing is re-sent; past it, only the new part is; if the new text
 * diverges (a non-deterministic model), the stream restarts: a restart marker, then everything.
 */
export class ResumableStream {
  private text = "";
  private mode: "matching" | "live" = "matching";
  private sent = 0;

  constructor(private readonly logged: string) {
    if (!logged) this.mode = "live";
  }

  push(delta: string): ResumeStep[] {
    this.text += delta;
    if (this.mode === "matching") {
      if (this.text.length < this.logged.length) {
        if (this.logged.startsWith(this.text)) return [];
        return this.restart();
      }
      if (!this.text.startsWith(this.logged)) return this.restart();
      this.mode = "live";
      this.sent = this.logged.length;
    }
    return this.flush();
  }

  /** At the end: a shorter answer than what was logged also means a restart. */
  end(): ResumeStep[] {
    if (this.mode === "matching" && this.text !== this.logged) return this.restart();
    return this.flush();
  }

  get answer() {
    return this.text;
  }

  private restart(): ResumeStep[] {
    this.mode = "live";
    this.sent = 0;
    return [{ kind: "restart" }, ...this.flush()];
  }

  private flush(): ResumeStep[] {
    if (this.sent >= this.text.length) return [];
    const step: ResumeStep = { kind: "delta", text: this.text.slice(this.sent), offset: this.sent };
    this.sent = this.text.length;
    return [step];
  }
}
