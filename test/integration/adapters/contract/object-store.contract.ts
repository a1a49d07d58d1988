import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ObjectStore } from "../../../../shared/ports/object-store";

// What every ObjectStore adapter must do: put/get/head/delete with user metadata (the department,
// date, tags and ACL that end up on chunks), binary-safe bodies, keys with spaces and folders, and
// listing by prefix in key order.

export function objectStoreContract(label: string, fixture: () => { objects: ObjectStore }) {
  describe(`ObjectStore contract: ${label}`, () => {
    it("round-trips bytes, content type and metadata; head agrees with get", async () => {
      const { objects } = fixture();
      const key = `c-${randomUUID().slice(0, 8)}/Quarterly report 2024.pdf`;
      const body = randomBytes(70_000);
      const meta = { department: "finance", date: "2024-03-31", tags: '["q1","report"]', acl: "finance,board" };
      const put = await objects.put(key, body, { contentType: "application/pdf", metadata: meta });
      expect(put.size).toBe(body.length);
      const got = await objects.get(key);
      expect(got!.body.equals(body)).toBe(true);
      expect(got!.info).toMatchObject({ key, size: body.length, metadata: meta });
      expect(got!.info.etag).toBeTruthy();
      const head = await objects.head(key);
      expect(head).toMatchObject({ key, size: body.length, metadata: meta, etag: got!.info.etag });
      expect(Date.parse(head!.lastModified)).not.toBeNaN();
    });

    it("replaces an object whole, with a new change marker", async () => {
      const { objects } = fixture();
      const key = `c-${randomUUID().slice(0, 8)}.txt`;
      await objects.put(key, Buffer.from("first version"));
      const before = await objects.head(key);
      await new Promise((r) => setTimeout(r, 20));
      await objects.put(key, Buffer.from("the second, longer version"));
      const after = await objects.get(key);
      expect(after!.body.toString()).toBe("the second, longer version");
      expect(after!.info.etag).not.toBe(before!.etag);
    });

    it("answers undefined for missing keys and deletes idempotently", async () => {
      const { objects } = fixture();
      const key = `c-${randomUUID().slice(0, 8)}.txt`;
      expect(await objects.get(key)).toBeUndefined();
      expect(await objects.head(key)).toBeUndefined();
      await objects.put(key, Buffer.from("x"));
      await objects.delete(key);
      await objects.delete(key);
      expect(await objects.head(key)).toBeUndefined();
    });

    it("lists by prefix, in key order", async () => {
      const { objects } = fixture();
      const p = `l-${randomUUID().slice(0, 8)}/`;
      for (const k of ["b.txt", "a.txt", "sub/c.txt"]) await objects.put(p + k, Buffer.from(k));
      await objects.put(`${p.slice(0, -1)}-other.txt`, Buffer.from("not under the prefix"));
      const listed: string[] = [];
      for await (const o of objects.list(p)) { listed.push(o.key); expect(o.size).toBeGreaterThan(0); }
      expect(listed).toEqual([`${p}a.txt`, `${p}b.txt`, `${p}sub/c.txt`]);
    });
  });
}
