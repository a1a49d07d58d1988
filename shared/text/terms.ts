// Tokens and stopwords shared by the local (non-neural) embedder and the extractive generator.

export const STOPWORDS = new Set(
  (
    "a an and are as at be been but by can could did do does for from had has have how i if in into is it its of on or " +
    "our so such than that the their them then there these they this those to was we were what when where which while who " +
    "whom why will with would you your not no yes about also more most other some any each all may might must shall should " +
    "over under between after before during up down out off again further once only own same too very just"
  ).split(" "),
);

export function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Light suffix stripping so "proteins"/"protein" and "regulated"/"regulates" meet. */
export function stem(w: string): string {
  if (w.length <= 4 || /\d/.test(w)) return w;
  return w.replace(/(ational|ization|ations|ation|ingly|edly|ness|ments|ment|ings|ing|ies|ied|ed|es|s)$/, (m) => (m === "ies" || m === "ied" ? "y" : ""));
}

export function contentTerms(text: string): string[] {
  return tokens(text)
    .filter((t) => !STOPWORDS.has(t))
    .map(stem);
}
