import { STOPWORDS, tokens } from "../text/terms";
import type { Chunk } from "../domain/chunk";

// A question that names a company, issuer or period ("Netflix", "3M", "FY2018") prefers chunks of the
// documents that carry that name in their key, headings or metadata. A soft preference: the others keep
// their order behind them and are never dropped, so a name the documents do not carry changes nothing.

const QUESTION_WORDS = new Set(["what", "which", "who", "whom", "whose", "when", "where", "why", "how", "is", "are", "was", "were", "do", "does", "did", "in", "of", "the", "a", "an", "for", "give", "list", "according", "based"]);

/** Names in a question: capitalised or all-caps words after the first, tokens mixing letters and digits, and years. */
export function namedTerms(question: string): string[] {
  const out = new Set<string>();
  const words = question.match(/[\p{L}\p{N}][\p{L}\p{N}&.'’-]*/gu) ?? [];
  // Runs of names are also joined: "Best Buy" → "bestbuy", as file names write them (BESTBUY_2023_10K.pdf).
  let run: string[] = [];
  const closeRun = () => { if (run.length > 1) out.add(run.join("")); run = []; };
  words.forEach((w, i) => {
    const bare = w.replace(/['’]s$/i, "").replace(/[.'’-]+$/, "");
    const lower = bare.toLowerCase();
    if (QUESTION_WORDS.has(lower) || STOPWORDS.has(lower)) return closeRun();
    const capitalised = /^\p{Lu}/u.test(bare) && i > 0;
    const mixed = /\p{L}/u.test(bare) && /\d/.test(bare);
    if (capitalised || mixed || /^\p{Lu}{2,}$/u.test(bare)) {
      const term = lower.replace(/[^\p{L}\p{N}&]/gu, "");
      out.add(term);
      if (capitalised && !mixed) run.push(term);
      else closeRun();
    } else closeRun();
    for (const y of bare.match(/(?:19|20)\d{2}/g) ?? []) out.add(y);
  });
  closeRun();
  out.delete("");
  return [...out];
}

function documentTerms(chunk: Pick<Chunk, "documentKey" | "sectionPath" | "metadata">): Set<string> {
  const file = chunk.documentKey.split("/").pop() ?? chunk.documentKey;
  const meta = chunk.metadata as Record<string, unknown> | undefined;
  // The object's own metadata, and the context the chunker read from the document's cover (metadata.context).
  const context = (meta?.context ?? {}) as Record<string, unknown>;
  const extra = [meta ?? {}, context].flatMap((m) => ["title", "company", "issuer", "department", "form", "fiscalYear"].map((k) => (typeof m[k] === "string" || typeof m[k] === "number" ? String(m[k]) : ""))).join(" ");
  const text = `${file.replace(/[_\-.]+/g, " ")} ${chunk.sectionPath.join(" ")} ${extra}`;
  // Split "FY2018" and "3M_2018_10K" alike into their letter/digit runs as well as whole tokens.
  return new Set(tokens(text).flatMap((t) => [t, ...(t.match(/\d{4}/g) ?? [])]));
}

/** Chunks of documents naming more of the question's names first; otherwise the order is kept. */
export function preferNamedDocuments<T extends Pick<Chunk, "documentKey" | "sectionPath" | "metadata">>(question: string, chunks: T[]): T[] {
  const names = namedTerms(question);
  if (!names.length || chunks.length < 2) return chunks;
  const scores = chunks.map((c) => { const have = documentTerms(c); return names.filter((n) => have.has(n)).length; });
  if (scores.every((s) => s === scores[0])) return chunks;
  return chunks.map((c, i) => ({ c, i, s: scores[i] })).sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.c);
}
