import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, extname, isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { profileFor } from "./profiles";
import type { EvalDataset, EvalDocument, EvalQuestion } from "./types";

// Reads datasets in the team's format (../shared/datasets/<name>/README.md describes each):
// questions.jsonl, and documents as corpus.jsonl rows or files listed in docs.jsonl. Nothing is
// copied into the repo: documents are read from where they lie, when the runner uploads them.
// Any folder in the same format works, so users can point the evals at their own question sets.

const repoRoot = resolve(import.meta.dirname, "..", "..");

/**
 * A question file on its own (e.g. real user questions for the audit): documents are taken from its
 * folder when it holds a corpus.jsonl or docs.jsonl, otherwise there are none (they are already in
 * the system being audited).
 */
export function loadQuestionFile(file: string): EvalDataset {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new Error(`no question file ${abs}`);
  return loadDataset(dirname(abs), { questionsFile: abs, allowMissingQuestions: true });
}

/** Where datasets are looked for: an explicit path, else RAGLINE_EVAL_DATASETS, else ../shared/datasets beside the repo. */
export function datasetsRoot(override?: string): string {
  return resolve(override ?? process.env.RAGLINE_EVAL_DATASETS ?? join(repoRoot, "..", "shared", "datasets"));
}

const isDatasetDir = (dir: string) => existsSync(join(dir, "questions.jsonl"));

export function listDatasets(root = datasetsRoot()): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => statSync(join(root, n)).isDirectory() && isDatasetDir(join(root, n)))
    .sort();
}

/** A name under the root, or a path to a folder in the same format. */
export function resolveDatasetDir(nameOrPath: string, root = datasetsRoot()): string | undefined {
  const asPath = isAbsolute(nameOrPath) || nameOrPath.includes("/") ? resolve(nameOrPath) : undefined;
  if (asPath && isDatasetDir(asPath)) return asPath;
  const under = join(root, nameOrPath);
  return isDatasetDir(under) ? under : undefined;
}

const idSchema = z.union([z.string(), z.number()]).transform(String);

export const questionRowSchema = z
  .object({
    id: idSchema,
    question: z.string().min(1),
    answers: z.array(z.string()).default([]),
    relevant_doc_ids: z.array(idSchema).default([]),
    answerable: z.boolean().optional(),
    selected_sentences: z.array(z.string()).optional(),
    evidence: z
      .array(
        z
          .object({
            doc_id: idSchema.optional(),
            sentences: z.array(z.array(z.number().int())).optional(),
            text: z.string().optional(),
            page_index: z.number().int().nonnegative().optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();

type QuestionRow = z.infer<typeof questionRowSchema>;

const corpusRowSchema = z
  .object({
    id: idSchema,
    title: z.string().default(""),
    text: z.string(),
    sentence_spans: z.array(z.tuple([z.number(), z.number()])).optional(),
  })
  .passthrough();
type CorpusRow = z.infer<typeof corpusRowSchema>;

const docsRowSchema = z.object({ id: idSchema, file: z.string().optional(), image: z.string().optional(), scanned_pdf: z.string().optional() }).passthrough();

function readJsonl<T>(file: string, schema: z.ZodType<T>): T[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l, i) => [l.trim(), i + 1] as const)
    .filter(([l]) => l)
    .map(([l, line]) => {
      const parsed = schema.safeParse(JSON.parse(l));
      if (!parsed.success) throw new Error(`${file}:${line}: ${parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
      return parsed.data;
    });
}

const CONTENT_TYPES: Record<string, string> = {
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".html": "text/html",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};

/** A bucket file name for a document id: ids keep their characters where keys allow them. */
export const fileNameFor = (id: string, ext: string) => `${id.replace(/[^A-Za-z0-9._~-]/g, "_")}${ext}`;

export interface LoadOptions {
  root?: string;
  /** A questions file in the same format, instead of the dataset's own. */
  questionsFile?: string;
  /** The folder need not hold a questions.jsonl (questionsFile is given). */
  allowMissingQuestions?: boolean;
}

export function loadDataset(nameOrPath: string, opts: LoadOptions = {}): EvalDataset {
  const root = datasetsRoot(opts.root);
  const dir = resolveDatasetDir(nameOrPath, root) ?? (opts.allowMissingQuestions && existsSync(nameOrPath) ? resolve(nameOrPath) : undefined);
  if (!dir) throw new Error(`no dataset "${nameOrPath}" (looked for questions.jsonl in ${isAbsolute(nameOrPath) ? nameOrPath : join(root, nameOrPath)})`);
  const name = dir.split("/").filter(Boolean).at(-1)!;
  const profile = profileFor(name);

  const docs = new Map<string, EvalDocument>();
  const corpus = new Map<string, CorpusRow>();
  if (existsSync(join(dir, "corpus.jsonl"))) {
    for (const row of readJsonl(join(dir, "corpus.jsonl"), corpusRowSchema)) {
      corpus.set(row.id, row);
      const body = row.title.trim() ? `${row.title.trim()}\n\n${row.text}` : row.text;
      docs.set(row.id, { id: row.id, fileName: fileNameFor(row.id, ".txt"), contentType: "text/plain", read: async () => Buffer.from(body, "utf8") });
    }
  }
  if (existsSync(join(dir, "docs.jsonl"))) {
    for (const row of readJsonl(join(dir, "docs.jsonl"), docsRowSchema)) {
      const file = row.file ?? row.image ?? row.scanned_pdf;
      if (!file) continue;
      const ext = extname(file).toLowerCase();
      docs.set(row.id, {
        id: row.id,
        fileName: fileNameFor(row.id, ext),
        contentType: CONTENT_TYPES[ext] ?? "application/octet-stream",
        read: () => readFile(join(dir, file)),
      });
    }
  }
  const names = new Map<string, string>();
  for (const d of docs.values()) {
    const other = names.get(d.fileName);
    if (other) throw new Error(`${name}: documents ${other} and ${d.id} map to the same file name ${d.fileName}`);
    names.set(d.fileName, d.id);
  }

  const questionsFile = opts.questionsFile ? resolve(opts.questionsFile) : join(dir, "questions.jsonl");
  const questions = readJsonl(questionsFile, questionRowSchema).map((row) => toQuestion(row, corpus, docs, profile.template));
  return { name, dir, profile, questions, documentIds: [...docs.keys()], document: (id) => docs.get(id), license: licenseOf(dir) };
}

function toQuestion(row: QuestionRow, corpus: Map<string, CorpusRow>, docs: Map<string, EvalDocument>, template?: (q: string) => string): EvalQuestion {
  const evidence = [...(row.selected_sentences ?? [])];
  for (const ev of row.evidence ?? []) {
    if (ev.text) evidence.push(ev.text);
    const spans = ev.doc_id !== undefined ? corpus.get(ev.doc_id) : undefined;
    for (const set of ev.sentences ?? []) {
      for (const i of set) {
        const span = spans?.sentence_spans?.[i];
        if (span) evidence.push(spans!.text.slice(span[0], span[1]));
      }
    }
  }
  const companion = `unans-${row.id}`; // clapnq: the passage shipped with an unanswerable question
  return {
    id: row.id,
    question: template ? template(row.question) : row.question,
    original: row.question,
    answers: row.answers,
    relevantDocIds: row.relevant_doc_ids,
    answerable: row.answerable ?? true,
    evidence: [...new Set(evidence)],
    companionDocIds: docs.has(companion) ? [companion] : [],
    evidencePages: (row.evidence ?? []).flatMap((ev) =>
      ev.doc_id !== undefined && ev.page_index !== undefined ? [{ docId: ev.doc_id, page: ev.page_index + 1 }] : [],
    ),
  };
}

function licenseOf(dir: string): string | undefined {
  try {
    const line = readFileSync(join(dir, "README.md"), "utf8")
      .split("\n")
      .find((l) => /^\|\s*license\s*\|/i.test(l));
    return line?.split("|")[2]?.trim();
  } catch {
    return undefined;
  }
}
