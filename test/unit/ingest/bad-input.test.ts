import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DocumentError } from "../../../shared/domain/errors";
import { onObjectCreated } from "../../../shared/ingest/object-events";
import { parseDocument } from "../../../shared/ingest/parse";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { type BadInput, badInputs } from "../../fixtures/bad-input";
import { tempDir } from "../../helpers/tmp";

// Every kind of bad input ends as a DocumentError with a stable code (never a crash, a hang or a retry),
// and in the pipeline as a `failed` document whose reason names the code.

let corpus: BadInput[];
beforeAll(async () => {
  corpus = await badInputs();
});

describe("bad input → DocumentError with a code", () => {
  it("covers every case of the corpus", async () => {
    const results: string[] = [];
    for (const c of corpus) {
      const t0 = Date.now();
      const err = await parseDocument({ key: c.key, body: c.body }, c.limits).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, c.name).toBeInstanceOf(DocumentError);
      expect((err as DocumentError).code, `${c.name}: ${(err as Error).message}`).toBe(c.code);
      expect((err as DocumentError).retryable, c.name).toBe(false);
      expect(Date.now() - t0, `${c.name} failed fast`).toBeLessThan(5000);
      results.push(`${c.code}: ${(err as Error).message}`);
    }
    expect(new Set(corpus.map((c) => c.code))).toEqual(
      new Set(["empty_document", "encrypted_document", "corrupt_document", "zip_bomb", "too_many_pages", "parse_timeout", "no_text", "unsupported_type"]),
    );
  }, 60_000);

  it("a zip bomb fails at the default limits too (by its compression ratio)", async () => {
    const bomb = corpus.find((c) => c.key === "bomb.docx")!;
    await expect(parseDocument({ key: bomb.key, body: bomb.body })).rejects.toMatchObject({ code: "zip_bomb", message: expect.stringMatching(/expands \d+x/) });
  });
});

describe("bad input in the pipeline (embedded context)", () => {
  const tmp = tempDir();
  const ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: tmp.dir, RAGLINE_MAX_OBJECT_BYTES: String(2 * 1024 * 1024) }));
  afterAll(async () => {
    await ctx.close();
    tmp.cleanup();
  });

  it("each file ends `failed` with its reason; a good file next to them is still queued", async () => {
    // Cases that need non-default parse limits are covered above; the pipeline runs on its defaults.
    const cases = corpus.filter((c) => !c.limits || c.code === "zip_bomb");
    cases.push({ name: "over the size limit", key: "huge.txt", body: Buffer.alloc(3 * 1024 * 1024, 0x61), code: "too_large" });
    for (const c of cases) {
      await ctx.objects.put(`bad/${c.key}`, c.body);
      expect(await onObjectCreated(ctx, `bad/${c.key}`), c.name).toBe("failed");
      const rec = await ctx.catalog.get(`bad/${c.key}`);
      expect(rec?.status, c.name).toBe("failed");
      expect(rec?.error, c.name).toMatch(new RegExp(`^${c.code}: .+`));
    }
    await ctx.objects.put("good/notes.md", Buffer.from("# Notes\n\nThe warehouse opens at nine."));
    expect(await onObjectCreated(ctx, "good/notes.md")).toBe("queued");
  }, 60_000);
});
