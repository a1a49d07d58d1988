import { describe, expect, it } from "vitest";
import { decodePathParameter, errorResponse } from "../../../functions/lib/http";
import { ValidationError } from "../../../shared/domain/errors";
import { decodeRequestPath } from "../../../shared/util/request-path";

describe("request paths", () => {
  it.each([
    ["%", /malformed percent escape/],
    ["%E0%A4%A", /malformed percent escape/],
    ["a%ZZb", /malformed percent escape/],
    ["a\0b", /NUL/],
    ["a%00b", /NUL/],
    [`dir/${"x".repeat(256)}`, /longer than 255 bytes \(256\)/],
    ["é".repeat(128), /longer than 255 bytes \(256\)/], // 128 characters, 256 bytes of UTF-8
  ])("%j is refused with a reason", (raw, reason) => {
    const r = decodeRequestPath(raw);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });

  it("decodes well-formed escapes, keeping folders", () => {
    expect(decodeRequestPath("reports/2024%20Q1/caf%C3%A9.pdf")).toEqual({ ok: true, decoded: "reports/2024 Q1/café.pdf" });
    expect(decodeRequestPath("x".repeat(255)).ok).toBe(true);
  });

  it("decodePathParameter throws a ValidationError naming the field", () => {
    expect(decodePathParameter("a%20b", "path.key")).toBe("a b");
    expect(() => decodePathParameter("%E0%A4%A", "path.key")).toThrow(ValidationError);
    try {
      decodePathParameter("%", "path.key");
    } catch (e) {
      expect((e as ValidationError).details).toEqual([{ field: "path.key", message: expect.stringMatching(/percent escape/) }]);
    }
  });

  it("errorResponse makes a URIError from decodeURIComponent a 400, not a 500", () => {
    let thrown: unknown;
    try {
      decodeURIComponent("%");
    } catch (e) {
      thrown = e;
    }
    const res = errorResponse(thrown);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body as string).error.code).toBe("bad_request");
  });
});
