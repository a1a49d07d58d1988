import { describe, expect, it } from "vitest";
import { documentsOfIngestMessage } from "../../../events/ingest-documents";
import { s3Record } from "../../../events/s3";

// The one place that reads every ingest wire format for the documents it names (dead letters, lost leases).
describe("documents of an ingest message", () => {
  it("an S3 / MinIO notification: every record's key, URL-decoded as S3 encodes it", () => {
    const written = s3Record("created", "b", "x");
    written.s3.object.key = "hr/pay+slips/2024+Q1%C3%A9.pdf"; // as S3 writes "hr/pay slips/2024 Q1é.pdf"
    const msg = { Records: [written, s3Record("removed", "b", "a b.txt")] };
    expect(documentsOfIngestMessage(msg)).toEqual([{ key: "hr/pay slips/2024 Q1é.pdf" }, { key: "a b.txt" }]);
  });

  it("a typed source.changed: its key, no version", () => {
    expect(documentsOfIngestMessage({ type: "source.changed", key: "a/b.md" })).toEqual([{ key: "a/b.md" }]);
  });

  it("an embed or index batch: its document and the version it is for", () => {
    const chunk = { id: "c1", documentKey: "d.md", version: "v7", ordinal: 0, text: "x", sectionPath: [], kind: "text", metadata: {} };
    expect(documentsOfIngestMessage({ type: "chunks.embed", documentKey: "d.md", version: "v7", total: 1, chunks: [chunk] })).toEqual([
      { key: "d.md", version: "v7" },
    ]);
    const indexed = { type: "chunks.index", documentKey: "d.md", version: "v8", total: 1, embeddingModel: "m", chunks: [{ ...chunk, vector: "AAAA" }] };
    expect(documentsOfIngestMessage(indexed)).toEqual([{ key: "d.md", version: "v8" }]);
  });

  it("S3's test probe and anything unknown: no documents (never a throw)", () => {
    expect(
      documentsOfIngestMessage({ Service: "Amazon S3", Event: "s3:TestEvent", Time: "2026-01-01T00:00:00Z", Bucket: "b", RequestId: "r", HostId: "h" }),
    ).toEqual([]);
    expect(documentsOfIngestMessage({ Records: [] })).toEqual([]);
    expect(documentsOfIngestMessage("not an object")).toEqual([]);
    expect(documentsOfIngestMessage(null)).toEqual([]);
  });
});
