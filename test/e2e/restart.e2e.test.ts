import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { corpusRows, DATASETS, hasDatasets } from "../helpers/datasets";
import { api, startHostProcess, type HostProcess } from "../helpers/host-process";
import { tempDir, waitFor } from "../helpers/tmp";

describe.skipIf(!hasDatasets)("restart: the host killed with SIGKILL mid-ingestion loses nothing", () => {
  const t = tempDir();
  let host: HostProcess | undefined;
  afterAll(async () => {
    await host?.stop();
    t.cleanup();
  });

  it("every dropped document ends indexed exactly once after a restart", async () => {
    host = await startHostProcess(t.dir);
    const bucket = join(t.dir, "bucket");
    copyFileSync(join(DATASETS, "docugami_sec10q/docs/2022_Q3_INTC.pdf"), join(bucket, "intc.pdf"));
    for (const r of corpusRows("scifact", ["13734012", "5152028", "11705328", "4709641", "18174210"]))
      writeFileSync(join(bucket, `${r.id}.txt`), `${r.title}\n\n${r.text}`);

    // Kill once the big PDF was picked up (or queued) but is not yet indexed.
    await waitFor(
      async () => {
        const r = await api(host!.url, "GET", "/documents/intc.pdf").catch(() => undefined);
        return r?.status === 200 && r.body.status !== "indexed";
      },
      "intc.pdf seen and not yet indexed",
      20_000,
      20,
    );
    await host.stop("SIGKILL");
    const expected = ["intc.pdf", "13734012.txt", "5152028.txt", "11705328.txt", "4709641.txt", "18174210.txt"];

    host = await startHostProcess(t.dir);
    const restartedAt = Date.now();
    await waitFor(
      async () => {
        const { body } = await api(host!.url, "GET", "/documents");
        return body.counts.indexed === expected.length;
      },
      "all documents indexed after restart",
      90_000,
      250,
    );
    // The interrupted messages were released by the new instance, not by their visibility timeouts
    // (parse 360 s, embed 180 s, index 120 s): what is left is the work itself (parsing a 10-Q).
    const settledInMs = Date.now() - restartedAt;
    console.log(`[restart] all ${expected.length} documents indexed ${settledInMs} ms after the restart`);
    expect(settledInMs).toBeLessThan(60_000);

    for (const key of expected) {
      const doc = await api(host.url, "GET", `/documents/${key}`);
      const chunks = (await api(host.url, "GET", `/documents/${key}/chunks`)).body.chunks as { id: string; version: string; ordinal: number }[];
      // Nothing duplicated: one live version, each chunk once, ordinals 0..n-1.
      expect(chunks).toHaveLength(doc.body.chunks);
      expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
      expect(new Set(chunks.map((c) => c.version))).toEqual(new Set([doc.body.indexedVersion]));
      expect(chunks.map((c) => c.ordinal)).toEqual(chunks.map((_, i) => i));
    }
    const health = await api(host.url, "GET", "/health");
    for (const q of Object.values(health.body.queues) as { visible: number; inFlight: number }[]) expect(q).toEqual({ visible: 0, inFlight: 0 });
  }, 150_000);
});
