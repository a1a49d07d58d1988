import { describe, expect, it } from "vitest";
import { parseDocument } from "../../../shared/ingest/parse";
import { safeName } from "../../../shared/ingest/parse/email";

// A multipart mail as a mail client writes it: HTML body with a table, a text alternative, a CSV attachment
// and an inline image that only decorates the HTML.
const eml = [
  "From: Alice Martin <alice@example.com>",
  "To: Bob <bob@example.com>",
  "Subject: Q3 budget figures",
  "Date: Tue, 14 Oct 2025 09:30:00 +0000",
  "Message-ID: <q3-budget@example.com>",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="outer"',
  "",
  "--outer",
  'Content-Type: multipart/related; boundary="rel"',
  "",
  "--rel",
  "Content-Type: text/html; charset=utf-8",
  "",
  '<html><body><p>Hi Bob, the Q3 numbers are below.</p><table><tr><th>Team</th><th>Budget</th></tr><tr><td>Sales</td><td>1,200</td></tr></table><img src="cid:logo"></body></html>',
  "--rel",
  "Content-Type: image/png",
  "Content-ID: <logo>",
  "Content-Disposition: inline",
  "Content-Transfer-Encoding: base64",
  "",
  "iVBORw0KGgo=",
  "--rel--",
  "--outer",
  'Content-Type: text/csv; name="../../budget.csv"',
  'Content-Disposition: attachment; filename="../../budget.csv"',
  "",
  "team,budget",
  "Sales,1200",
  "--outer--",
  "",
].join("\r\n");

describe("email", () => {
  it("keeps headers as metadata, reads the HTML body with its table and returns real attachments only", async () => {
    const doc = await parseDocument({ key: "inbox/mail-0001", body: Buffer.from(eml) });
    expect(doc.contentType).toBe("message/rfc822");
    expect(doc.title).toBe("Q3 budget figures");
    expect(doc.metadata).toMatchObject({
      from: "Alice Martin <alice@example.com>",
      subject: "Q3 budget figures",
      date: "2025-10-14T09:30:00.000Z",
      messageId: "<q3-budget@example.com>",
    });
    expect(doc.blocks.map((b) => b.text).join("\n")).toContain("From: Alice Martin <alice@example.com>; To: Bob <bob@example.com>");
    expect(doc.blocks.find((b) => b.kind === "table")?.table?.rows).toEqual([["Sales", "1,200"]]);
    expect(doc.attachments?.map((a) => [a.name, a.contentType])).toEqual([["budget.csv", "text/csv"]]);
    expect(doc.attachments?.[0].body.toString()).toContain("Sales,1200");
  });

  it("drops the quoted earlier mails of a reply, in HTML and in text bodies", async () => {
    const head = "From: b@example.com\r\nTo: a@example.com\r\nSubject: Re: plan\r\nMIME-Version: 1.0\r\n";
    const html = await parseDocument({
      key: "r1.eml",
      body: Buffer.from(
        `${head}Content-Type: text/html\r\n\r\n<p>Agreed, ship it.</p><div class="gmail_quote">On Mon, Alice wrote:<blockquote>Shall we ship?</blockquote></div><blockquote type="cite">Older thread</blockquote>`,
      ),
    });
    const text = await parseDocument({
      key: "r2.eml",
      body: Buffer.from(`${head}Content-Type: text/plain\r\n\r\nAgreed, ship it.\r\n\r\nOn Mon, 13 Oct 2025, Alice wrote:\r\n\r\n> Shall we ship?\r\n`),
    });
    for (const doc of [html, text]) {
      const body = doc.blocks
        .filter((b) => b.kind === "paragraph")
        .slice(1)
        .map((b) => b.text);
      expect(body).toEqual(["Agreed, ship it."]);
    }
  });

  it("names attachments safely", () => {
    expect(safeName("..\\..\\evil\u0000.txt", 0)).toBe("evil.txt");
    expect(safeName(undefined, 2, "message/rfc822")).toBe("attachment-3.eml");
  });
});
