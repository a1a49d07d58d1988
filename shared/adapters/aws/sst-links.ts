// Names of the SST links: stacks/ creates the resources under these names, and on Lambda the
// configuration reads them back through `Resource.<name>` (shared/runtime/config-backends.ts).

const pascal = (name: string) => name.split(/[-_]/).map((p) => p[0].toUpperCase() + p.slice(1)).join("");

export const LINKS = {
  bucket: "Documents",
  jobsTable: "Jobs",
  documentsTable: "DocumentCatalog",
  realtime: "Realtime",
  esUrl: "ElasticsearchUrl",
  esApiKey: "ElasticsearchApiKey",
  /** A queue's link: "Queue" + PascalCase(name), its DLQ: ... + "Dlq". */
  queue: (name: string) => `Queue${pascal(name)}`,
  dlq: (name: string) => `Queue${pascal(name)}Dlq`,
  /** A topology function's resource name. */
  fn: (name: string) => `Fn${pascal(name)}`,
  cron: (name: string) => `Cron${pascal(name)}`,
} as const;
