// A dataset as the evals see it: questions with gold answers / documents, and the documents to ingest.

export interface EvalQuestion {
  id: string;
  /** What is asked (after the dataset profile's template, if any). */
  question: string;
  /** The question text exactly as in the file. */
  original: string;
  answers: string[];
  relevantDocIds: string[];
  /** False when the dataset says the documents do not answer it (clapnq): the system should decline. */
  answerable: boolean;
  /** Sentences the gold answer rests on, where the dataset names them (clapnq, scifact, financebench). */
  evidence: string[];
  /** Documents that belong with this question without being relevant (clapnq's passage for an unanswerable one). */
  companionDocIds: string[];
  /** Gold pages (1-based) where the dataset names them (financebench's `evidence[].page_index`). */
  evidencePages: { docId: string; page: number }[];
}

export interface EvalDocument {
  id: string;
  /** File name in the bucket (without the namespace): `<id>.txt`, `<id>.pdf`, ... */
  fileName: string;
  contentType: string;
  read(): Promise<Buffer>;
}

export interface DatasetProfile {
  /** corpus: every question searches all of the dataset's documents; document: only its gold document. */
  scope: "corpus" | "document";
  /** Turns a row's question into what is asked (FUNSD's questions are bare form labels). */
  template?: (question: string) => string;
  note?: string;
}

export interface EvalDataset {
  name: string;
  dir: string;
  profile: DatasetProfile;
  questions: EvalQuestion[];
  /** Every document id, in file order. */
  documentIds: string[];
  document(id: string): EvalDocument | undefined;
  /** The license line of the dataset's README, for the report. */
  license?: string;
}
