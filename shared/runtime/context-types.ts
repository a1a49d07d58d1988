import type { DocumentCatalog, Embedder, Generator, JobStore, Notifier, ObjectStore, Offload, Queue, Reranker, SearchIndex } from "../ports";
import type { Config } from "./config";

// What a stage works with: the ports and the settings. Its own module so that both the embedded
// context and the remote one build it without importing each other.

export interface Ports {
  /** The configured embedder: new documents, and the target of a model rollout. */
  embedder: Embedder;
  /** The previous model's embedder while a rollout is under way (queries still use it). */
  previousEmbedder?: Embedder;
  objects: ObjectStore;
  queue: Queue;
  jobs: JobStore;
  index: SearchIndex;
  catalog: DocumentCatalog;
  reranker: Reranker;
  generator: Generator;
  notifier: Notifier;
}

export interface Context extends Ports {
  config: Config;
  bucket: string;
  /** Where CPU-heavy pure work runs off this thread (the host's worker pool); unset: in-process. */
  offload?: Offload;
  /** Releases files, timers and connections. */
  close(): Promise<void>;
}
