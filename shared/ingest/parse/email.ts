import type { AddressObject, ParsedMail } from "mailparser";
import type { Attachment, Block, ParsedDocument } from "../../domain/document";
import { DocumentError } from "../../domain/errors";
import { htmlParser } from "./html";
import type { ParseEnv, ParseInput, Parser } from "./types";

// .eml: headers become metadata and a header block (so "the mail from Alice about the budget" is findable),
// the body is read as HTML when there is one (structure, tables) or as text, and attachments are handed back
// for the pipeline to ingest as documents of their own. Inline images referenced by the HTML are not.

export const EML_TYPE = "message/rfc822";

export const emailParser: Parser = {
  types: [EML_TYPE],
  async parse(input: ParseInput, env: ParseEnv): Promise<ParsedDocument> {
    const { simpleParser } = await import("mailparser"); // loaded on first use (~0.3 s at start otherwise)
    let mail: ParsedMail;
    try {
      mail = await simpleParser(input.body, { skipImageLinks: true, skipTextToHtml: true });
    } catch (err) {
      throw new DocumentError("corrupt_document", `the email could not be read: ${(err as Error).message}`, err);
    }
    const metadata: Record<string, string> = {};
    const put = (k: string, v: string | undefined) => {
      if (v?.trim()) metadata[k] = v.trim();
    };
    put("from", addresses(mail.from));
    put("to", addresses(mail.to));
    put("cc", addresses(mail.cc));
    put("subject", mail.subject);
    put("date", mail.date?.toISOString());
    put("messageId", mail.messageId);
    put("inReplyTo", mail.inReplyTo);

    const blocks: Block[] = [];
    if (mail.subject) blocks.push({ kind: "heading", level: 1, text: mail.subject });
    const headerLine = ["from", "to", "cc", "date"]
      .filter((k) => metadata[k])
      .map((k) => `${k[0].toUpperCase()}${k.slice(1)}: ${metadata[k]}`)
      .join("; ");
    if (headerLine) blocks.push({ kind: "paragraph", text: `${headerLine}.` });

    if (typeof mail.html === "string" && mail.html.trim()) {
      const body = await htmlParser.parse({ key: input.key, body: Buffer.from(mail.html, "utf8") }, env);
      // The body's own headings nest under the subject.
      blocks.push(...body.blocks.map((b) => (b.kind === "heading" ? { ...b, level: Math.min(6, (b.level ?? 1) + 1) } : b)));
    } else if (mail.text) {
      for (const p of mail.text.replace(/\r\n?/g, "\n").split(/\n\s*\n/)) {
        const text = p.replace(/\s*\n\s*/g, " ").trim();
        // Quoted replies ("> ...") repeat earlier mails of the thread, which are documents of their own.
        if (!text || text.startsWith(">") || /^On .{4,200} wrote:$/.test(text)) continue;
        blocks.push({ kind: "paragraph", text });
      }
    }

    const attachments: Attachment[] = mail.attachments
      .filter((a) => !(a.related && a.contentDisposition !== "attachment"))
      .map((a, i) => ({ name: safeName(a.filename, i, a.contentType), body: a.content, contentType: a.contentType }));
    if (attachments.length) put("attachments", attachments.map((a) => a.name).join(", "));
    return { contentType: EML_TYPE, title: mail.subject || undefined, blocks, metadata, attachments };
  },
};

function addresses(a: AddressObject | AddressObject[] | undefined): string | undefined {
  if (!a) return undefined;
  // mailparser's `text` quotes display names; plain "Name <address>" reads (and embeds) better.
  const list = (Array.isArray(a) ? a : [a]).flatMap((x) => x.value.flatMap((v) => v.group ?? [v]));
  return list
    .map((v) => (v.name ? `${v.name} <${v.address ?? ""}>` : (v.address ?? "")))
    .filter(Boolean)
    .join(", ");
}

/** A file name safe to use as the last part of an object key: no path, no control characters. */
export function safeName(name: string | undefined, index: number, contentType?: string): string {
  const base = (name ?? "")
    .split(/[\\/]/)
    .pop()!
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .replace(/^\.+/, "")
    .trim()
    .slice(0, 200);
  if (base) return base;
  const ext = contentType === "message/rfc822" ? ".eml" : contentType?.startsWith("text/") ? ".txt" : "";
  return `attachment-${index + 1}${ext}`;
}
