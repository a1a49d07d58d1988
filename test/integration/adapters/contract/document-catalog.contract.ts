import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DocumentCatalog } from "../../../../shared/ports/document-catalog";

// What every DocumentCatalog adapter must do: merge patches (undefined removes a field), guard by
// version, list in key order with prefix/status/paging, find duplicates by hash, count by status.
// Each test works under its own key prefix; counts are compared before/after.

export function documentCatalogContract(label: string, fixture: () => { catalog: DocumentCatalog }) {
  describe(`DocumentCatalog contract: ${label}`, () => {
    const prefix = () => `d-${randomUUID().slice(0, 8)}/`;

    it("merges patches, and a field set to undefined is removed", async () => {
      const { catalog } = fixture();
      const key = `${prefix()}a.pdf`;
      await catalog.put(key, { status: "processing", version: "v1", contentHash: "h1", size: 10, error: "old", metadata: { department: "hr", acl: ["g1"] } });
      const rec = await catalog.put(key, { status: "indexed", chunks: 4, error: undefined });
      expect(rec).toMatchObject({ key, status: "indexed", version: "v1", contentHash: "h1", size: 10, chunks: 4, metadata: { department: "hr", acl: ["g1"] } });
      expect(rec.error).toBeUndefined();
      expect(await catalog.get(key)).toEqual(rec);
      expect(Date.parse(rec.updatedAt)).not.toBeNaN();
      expect(await catalog.get(`${key}.missing`)).toBeUndefined();
    });

    it("putIfVersion writes only over the same version", async () => {
      const { catalog } = fixture();
      const key = `${prefix()}b.txt`;
      await catalog.put(key, { status: "processing", version: "v2" });
      expect(await catalog.putIfVersion(key, "v1", { status: "indexed" })).toBeUndefined();
      expect((await catalog.putIfVersion(key, "v2", { status: "indexed", indexedVersion: "v2" }))?.status).toBe("indexed");
      expect(await catalog.putIfVersion(`${key}.none`, "v2", { status: "indexed" })).toBeUndefined();
      expect((await catalog.get(key))?.indexedVersion).toBe("v2");
    });

    it("lists in key order by prefix and status, and pages with after/limit", async () => {
      const { catalog } = fixture();
      const p = prefix();
      for (const k of ["c", "a", "d", "b"]) await catalog.put(p + k, { status: k === "d" ? "failed" : "indexed" });
      await catalog.put(`${p.slice(0, -1)}x`, { status: "indexed" });
      expect((await catalog.list({ prefix: p })).map((r) => r.key)).toEqual(["a", "b", "c", "d"].map((k) => p + k));
      expect((await catalog.list({ prefix: p, status: "failed" })).map((r) => r.key)).toEqual([p + "d"]);
      const page1 = await catalog.list({ prefix: p, limit: 2 });
      const page2 = await catalog.list({ prefix: p, limit: 2, after: page1.at(-1)!.key });
      expect([...page1, ...page2].map((r) => r.key)).toEqual(["a", "b", "c", "d"].map((k) => p + k));
      expect(await catalog.list({ prefix: p, after: p + "d" })).toEqual([]);
      // Without a prefix: everything, in key order (other tests' records included).
      const all = (await catalog.list({ limit: 10_000 })).map((r) => r.key);
      expect(all).toEqual(expect.arrayContaining(["a", "b", "c", "d"].map((k) => p + k)));
      expect(all).toEqual([...all].sort());
      expect((await catalog.list({ status: "failed", limit: 10_000 })).map((r) => r.key)).toContain(p + "d");
    });

    it("finds an indexed twin by content hash, and counts by status", async () => {
      const { catalog } = fixture();
      const p = prefix();
      const hash = `hash-${randomUUID()}`;
      const before = await catalog.counts();
      await catalog.put(p + "one", { status: "processing", contentHash: hash });
      expect(await catalog.findByHash(hash)).toBeUndefined(); // not indexed yet
      await catalog.put(p + "one", { status: "indexed", contentHash: hash });
      await catalog.put(p + "two", { status: "failed", contentHash: `${hash}-2` });
      expect((await catalog.findByHash(hash))?.key).toBe(p + "one");
      const after = await catalog.counts();
      expect((after.indexed ?? 0) - (before.indexed ?? 0)).toBe(1);
      expect((after.failed ?? 0) - (before.failed ?? 0)).toBe(1);
      await catalog.delete(p + "one");
      expect(await catalog.get(p + "one")).toBeUndefined();
      expect(await catalog.findByHash(hash)).toBeUndefined();
    });
  });
}
