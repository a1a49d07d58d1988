import { z } from "zod";

// Settings of the storage/transport ports (object store, queue, job store, search index, notifier).
// Owned by the deploy-anywhere work; "embedded" needs nothing but a data dir.
export const backendConfigSchema = z.object({
  RAGLINE_BACKEND: z.enum(["embedded"]).default("embedded"),
});
