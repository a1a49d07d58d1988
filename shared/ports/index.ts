export type { ObjectStore, ObjectInfo } from "./object-store";
export type { Queue, QueueMessage, ReceiveOptions } from "./queue";
export { dlqName } from "./queue";
export type { JobStore } from "./job-store";
export type { SearchIndex, SearchRequest } from "./search-index";
export type { Embedder, Reranker, Generator, GenerateRequest, GenerationSource } from "./models";
export type { Notifier } from "./notifier";
export type { DocumentCatalog } from "./document-catalog";
export type { Offload, ParseChunkRequest, ParsedChunks } from "./offload";
