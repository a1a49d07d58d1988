/** What every generator answers when the sources do not cover the question (and what abstaining looks like). */
export const NO_ANSWER = "The sources do not contain an answer to this question.";

export function isNoAnswer(answer: string): boolean {
  return (
    answer
      .replace(/\[\d+\]/g, "")
      .trim()
      .replace(/\s+/g, " ") === NO_ANSWER
  );
}
