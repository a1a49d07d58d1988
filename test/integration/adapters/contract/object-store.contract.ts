import { randomBytes, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
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

    it("stores a streamed body as it comes (with its announced length, or without one)", async () => {
      const { objects } = fixture();
      const body = randomBytes(300_000);
      for (const contentLength of [body.length, undefined]) {
        const key = `c-${randomUUID().slice(0, 8)}/streamed.bin`;
        const put = await objects.put(key, Readable.from(chunksOf(body, 65_536)), {
          contentType: "application/octet-stream",
          metadata: { department: "ops" },
          contentLength,
        });
        expect(put.size).toBe(body.length);
        const got = await objects.get(key);
        expect(got!.body.equals(body)).toBe(true);
        expect(got!.info.metadata).toMatchObject({ department: "ops" });
      }
    });

    it("a streamed body that fails midway stores nothing: the old object and its metadata stay", async () => {
      const { objects } = fixture();
      const key = `c-${randomUUID().slice(0, 8)}/kept.txt`;
      await objects.put(key, Buffer.from("old bytes"), { metadata: { department: "old" } });
      const failing = Readable.from(
        (async function* () {
          yield randomBytes(65_536);
          yield randomBytes(65_536);
          throw new Error("the client went away");
        })(),
      );
      await expect(objects.put(key, failing, { metadata: { department: "new" }, contentLength: 1_000_000 })).rejects.toThrow();
      const got = await objects.get(key);
      expect(got!.body.toString()).toBe("old bytes");
      expect(got!.info.metadata).toMatchObject({ department: "old" });
      const fresh = `c-${randomUUID().slice(0, 8)}/never.txt`;
      await expect(
        objects.put(
          fresh,
          Readable.from(
            (async function* () {
              yield Buffer.from("x");
              throw new Error("gone");
            })(),
          ),
        ),
      ).rejects.toThrow();
      expect(await objects.head(fresh)).toBeUndefined();
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
      for await (const o of objects.list(p)) {
        listed.push(o.key);
        expect(o.size).toBeGreaterThan(0);
      }
      expect(listed).toEqual([`${p}a.txt`, `${p}b.txt`, `${p}sub/c.txt`]);
    });
  });
}

function* chunksOf(body: Buffer, size: number) {
  for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
}
