import { join } from "node:path";
import { afterAll } from "vitest";
import { FolderObjectStore } from "../../../shared/adapters/embedded/folder-object-store";
import { SqliteDocumentCatalog } from "../../../shared/adapters/embedded/sqlite-document-catalog";
import { SqliteJobStore } from "../../../shared/adapters/embedded/sqlite-job-store";
import { SqliteQueue } from "../../../shared/adapters/embedded/sqlite-queue";
import { tempDir } from "../../helpers/tmp";
import { documentCatalogContract } from "./contract/document-catalog.contract";
import { jobStoreContract } from "./contract/job-store.contract";
import { objectStoreContract } from "./contract/object-store.contract";
import { queueContract } from "./contract/queue.contract";

// The embedded adapters pass the same contracts as the production ones (real SQLite files, a real folder).

const t = tempDir();
const open: { close(): void }[] = [];
const keep = <T extends { close(): void }>(x: T) => (open.push(x), x);
afterAll(() => {
  for (const x of open) x.close();
  t.cleanup();
});

let n = 0;
queueContract("embedded SQLite", () => {
  const queue = keep(new SqliteQueue(join(t.dir, `queue-${n++}.db`)));
  return {
    queue,
    create: async () => {},
    drain: async (name) => queue.peek(name).map((m) => m.body),
  };
});

jobStoreContract("embedded SQLite", () => {
  const path = join(t.dir, `jobs-${n++}.db`);
  return { jobs: keep(new SqliteJobStore(path)), twin: () => keep(new SqliteJobStore(path)) };
});

documentCatalogContract("embedded SQLite", () => ({ catalog: keep(new SqliteDocumentCatalog(join(t.dir, `docs-${n++}.db`))) }));

objectStoreContract("embedded folder", () => ({ objects: new FolderObjectStore(join(t.dir, `bucket-${n++}`)) }));
