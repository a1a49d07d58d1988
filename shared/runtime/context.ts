import { join } from "node:path";
import { FolderObjectStore } from "../adapters/embedded/folder-object-store";
import { LocalNotifier } from "../adapters/embedded/local-notifier";
import { SqliteDocumentCatalog } from "../adapters/embedded/sqlite-document-catalog";
import { SqliteJobStore } from "../adapters/embedded/sqlite-job-store";
import { SqliteQueue } from "../adapters/embedded/sqlite-queue";
import { SqliteSearchIndex } from "../adapters/embedded/sqlite-search-index";
import { topology } from "../topology";
import { loadConfig, type Config } from "./config";
import { createModelPorts } from "./models";
import { settingsFrom } from "./settings";
import type { Context } from "./context-types";
import { createRemoteContext, usesRemotePorts } from "./remote-context";

export type { Context, Ports, Uses } from "./context-types";

/** Everything on one machine, no services: SQLite files and a folder under the data dir. */
export function createEmbeddedContext(config: Config): Context & { objects: FolderObjectStore; queue: SqliteQueue; notifier: LocalNotifier } {
  const db = (name: string) => join(config.dataDir, "state", name);
  const jobs = new SqliteJobStore(db("jobs.db"));
  const queue = new SqliteQueue(db("queue.db"));
  const index = new SqliteSearchIndex(db("index.db"));
  const catalog = new SqliteDocumentCatalog(db("documents.db"));
  const notifier = new LocalNotifier(jobs);
  return {
    config,
    settings: settingsFrom(config),
    bucket: topology.bucket.name,
    objects: new FolderObjectStore(config.bucketDir, join(config.dataDir, "tmp")),
    queue,
    jobs,
    index,
    catalog,
    notifier,
    ...createModelPorts(config),
    async close() {
      notifier.close();
      for (const c of [jobs, queue, index, catalog]) c.close();
    },
  };
}

let current: Context | undefined;

/** The process's context, built once from configuration (module scope, as Lambda reuses it). */
export function getContext(): Context {
  current ??= createContext(loadConfig());
  return current;
}

export function setContext(ctx: Context | undefined) {
  current = ctx;
}

export function createContext(config: Config): Context {
  if (config.RAGLINE_BACKEND !== "embedded" || usesRemotePorts(config)) return createRemoteContext(config);
  switch (config.RAGLINE_BACKEND) {
    case "embedded":
      return createEmbeddedContext(config);
  }
}
