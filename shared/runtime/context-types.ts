import type { DocumentCatalog, Embedder, Generator, JobStore, Notifier, ObjectStore, Offload, Queue, Reranker, SearchIndex } from "../ports";
import type { Config } from "./config";
import type { Settings } from "./settings";

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
  /** The environment-shaped configuration: for the runtime that builds adapters, not for domain code. */
  config: Config;
  /** The settings domain code reads, built once from `config`. */
  settings: Settings;
  bucket: string;
  /** Where CPU-heavy pure work runs off this thread (the host's worker pool); unset: in-process. */
  offload?: Offload;
  /** Releases files, timers and connections. */
  close(): Promise<void>;
}

/** What a core function works with: some ports and some groups of settings, not the whole context. */
export type Uses<P extends keyof Ports = never, S extends keyof Settings = never> = Pick<Ports, P> & { settings: Pick<Settings, S> };
