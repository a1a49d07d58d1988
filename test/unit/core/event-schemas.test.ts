import { describe, expect, it } from "vitest";
import { submitQuerySchema } from "../../../events/api";
import { loadFixture } from "../../../events/fixtures";
import { decodeVector, encodeVector, queryRunMessageSchema } from "../../../events/messages";
import { decodeS3Key, isRemoval, s3EventSchema, s3Record } from "../../../events/s3";
import { subscribeFrameSchema } from "../../../events/ws";

describe("event schemas against sample events", () => {
  it("reads real S3 notifications, decoding URL-encoded keys", () => {
    const created = s3EventSchema.parse(loadFixture("s3/object-created"));
    expect(decodeS3Key(created.Records[0].s3.object.key)).toBe("finance/2022 Q3 report.pdf");
    expect(isRemoval(created.Records[0])).toBe(false);
    expect(isRemoval(s3EventSchema.parse(loadFixture("s3/object-removed")).Records[0])).toBe(true);
  });

  it("round-trips keys through the host's own notification records", () => {
    const r = s3Record("created", "documents", "a dir/ü file+1.txt");
    expect(decodeS3Key(s3EventSchema.parse({ Records: [r] }).Records[0].s3.object.key)).toBe("a dir/ü file+1.txt");
  });

  it("refuses events that are not object created/removed", () => {
    const bad = loadFixture<{ Records: { eventName: string }[] }>("s3/object-created");
    bad.Records[0].eventName = "ObjectTagging:Put";
    expect(s3EventSchema.safeParse(bad).success).toBe(false);
  });

  it("validates queue messages, API requests and WebSocket frames", () => {
    expect(queryRunMessageSchema.parse(loadFixture("sqs/query-run")).jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(submitQuerySchema.parse(loadFixture("http/submit-query")).filters?.keyPrefix).toBe("finance/");
    expect(subscribeFrameSchema.parse(loadFixture("ws/subscribe")).afterSeq).toBe(3);
    expect(subscribeFrameSchema.safeParse({ action: "subscribe", jobId: "nope" }).success).toBe(false);
  });

  it("encodes vectors for queue bodies without loss", () => {
    const v = Float32Array.from([0.25, -1.5, 3.125e-8]);
    expect(decodeVector(encodeVector(v))).toEqual(v);
  });
});
