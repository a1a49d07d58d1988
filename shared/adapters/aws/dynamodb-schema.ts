// The two tables and their indexes, as data: the adapters read these names, `ensureTables` creates
// them on-prem and in tests, and the SST stacks declare the same shapes on AWS. (No SDK import here:
// the stacks load this file at deploy time.)

export const JOBS_TABLE = {
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
  /** Sparse indexes: the attribute exists only while the job is active / working. Counted, never read: keys only. */
  indexes: {
    activeByCaller: { name: "active-by-caller", partitionKey: "activeCaller", sortKey: "pk" },
    workingByTenant: { name: "working-by-tenant", partitionKey: "workingTenant", sortKey: "pk" },
  },
  projection: "KEYS_ONLY",
} as const;

export const DOCUMENTS_TABLE = {
  partitionKey: "key",
  indexes: {
    /** Every record under one constant partition, sorted by key: ordered listing and paging. */
    byKey: { name: "by-key", partitionKey: "listing", sortKey: "key" },
    byStatus: { name: "by-status", partitionKey: "status", sortKey: "key" },
    byHash: { name: "by-hash", partitionKey: "contentHash", sortKey: "key" },
  },
  projection: "ALL",
} as const;
