import { afterEach, describe, expect, it } from "vitest";
import { onObjectCreated, onObjectRemoved } from "../../../shared/ingest/object-events";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { tempDir } from "../../helpers/tmp";

// Email attachments are written back to the bucket as objects of their own (and so ingested as documents),
// inherit the mail's ACL, and go away with the mail or when a new version of the mail drops them.

function mail(attachments: { name: string; body: string }[]): Buffer {
  const parts = attachments.map((a) =>
    ["--b", `Content-Type: text/plain; name="${a.name}"`, `Content-Disposition: attachment; filename="${a.name}"`, "", a.body].join("\r\n"),
  );
  return Buffer.from(
    [
      "From: a@example.com",
      "To: b@example.com",
      "Subject: Minutes",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b"',
      "",
      "--b",
      "Content-Type: text/plain",
      "",
      "The minutes of the board meeting are attached.",
      ...parts,
      "--b--",
      "",
    ].join("\r\n"),
  );
}

describe("email attachments in the pipeline", () => {
  const tmp = tempDir();
  const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: tmp.dir }));
  afterEach(async () => {
    await ctx.close();
    tmp.cleanup();
  });

  it("writes, ingests and removes attachment objects", async () => {
    await ctx.objects.put(
      "mail/board.eml",
      mail([
        { name: "minutes.txt", body: "Quorum was reached." },
        { name: "notes.txt", body: "Coffee budget approved." },
      ]),
      { metadata: { acl: "board" } },
    );
    expect(await onObjectCreated(ctx, "mail/board.eml")).toBe("queued");
    const keys = async () => {
      const out: string[] = [];
      for await (const o of ctx.objects.list("mail/board.eml.attachments/")) out.push(o.key);
      return out.sort();
    };
    expect(await keys()).toEqual(["mail/board.eml.attachments/minutes.txt", "mail/board.eml.attachments/notes.txt"]);

    expect(await onObjectCreated(ctx, "mail/board.eml.attachments/minutes.txt")).toBe("queued");
    expect((await ctx.catalog.get("mail/board.eml.attachments/minutes.txt"))?.metadata?.acl).toEqual(["board"]);

    // A new version of the mail without notes.txt removes that attachment object.
    await ctx.objects.put("mail/board.eml", mail([{ name: "minutes.txt", body: "Quorum was reached." }]), { metadata: { acl: "board" } });
    expect(await onObjectCreated(ctx, "mail/board.eml")).toBe("queued");
    expect(await keys()).toEqual(["mail/board.eml.attachments/minutes.txt"]);

    await ctx.objects.delete("mail/board.eml");
    expect(await onObjectRemoved(ctx, "mail/board.eml")).toBe("removed");
    expect(await keys()).toEqual([]);
  });
});
