import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startHost } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { DATASETS, hasDatasets } from "../../helpers/datasets";
import { tempDir, waitFor } from "../../helpers/tmp";

describe.skipIf(!hasDatasets)("parse limits from configuration (in-process host, a real 28-page 10-Q)", () => {
  it("RAGLINE_PARSE_MAX_PAGES fails a longer PDF with too_many_pages", async () => {
    const t = tempDir();
    const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_PARSE_MAX_PAGES: "10" }));
    const host = await startHost({ ctx, port: 0 });
    try {
      copyFileSync(join(DATASETS, "docugami_sec10q/docs/2022_Q3_AAPL.pdf"), join(ctx.config.bucketDir, "aapl.pdf"));
      const doc = await waitFor(async () => {
        const r = await ctx.catalog.get("aapl.pdf");
        return r?.status === "failed" && r;
      }, "aapl.pdf failed");
      expect(doc.error).toMatch(/^too_many_pages: /);
    } finally {
      await host.close();
      t.cleanup();
    }
  });
});
