import { describe, expect, it } from "vitest";
import { answerFromEvents, ResumableStream, type ResumeStep } from "../../../shared/jobs/answer-log";

const toEvents = (steps: ResumeStep[]) =>
  steps.map((s) =>
    s.kind === "restart"
      ? { type: "stage" as const, data: { stage: "generate", status: "restarted" } }
      : { type: "delta" as const, data: { text: s.text, offset: s.offset } },
  );

describe("resumable answer streaming", () => {
  it("a retried deterministic stream sends only what the crashed attempt had not logged", () => {
    const logged = "The answer is forty";
    const s = new ResumableStream(logged);
    const steps = ["The ", "answer is ", "forty-two [1]", "."].flatMap((d) => s.push(d)).concat(s.end());
    expect(steps).toEqual([
      { kind: "delta", text: "-two [1]", offset: 19 },
      { kind: "delta", text: ".", offset: 27 },
    ]);
    const log = [{ type: "delta" as const, data: { text: logged, offset: 0 } }, ...toEvents(steps)];
    expect(answerFromEvents(log)).toBe("The answer is forty-two [1].");
  });

  it("a diverging stream restarts: the marker discards the earlier text, so nothing is duplicated", () => {
    const s = new ResumableStream("Paris is");
    const steps = ["Paris was", " the capital."].flatMap((d) => s.push(d)).concat(s.end());
    expect(steps[0]).toEqual({ kind: "restart" });
    const log = [{ type: "delta" as const, data: { text: "Paris is", offset: 0 } }, ...toEvents(steps)];
    expect(answerFromEvents(log)).toBe("Paris was the capital.");
  });

  it("a shorter retried answer restarts too, and a fresh stream passes through", () => {
    const short = new ResumableStream("Long answer text");
    expect([...short.push("Long"), ...short.end()]).toEqual([{ kind: "restart" }, { kind: "delta", text: "Long", offset: 0 }]);
    const fresh = new ResumableStream("");
    expect([...fresh.push("a"), ...fresh.push("b")]).toEqual([
      { kind: "delta", text: "a", offset: 0 },
      { kind: "delta", text: "b", offset: 1 },
    ]);
  });
});
