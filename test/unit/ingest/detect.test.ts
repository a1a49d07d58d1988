import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { detectContentType, parseDocument, TYPES } from "../../../shared/ingest/parse";
import { decodeText } from "../../../shared/ingest/parse/encoding";
import { makeDocx } from "./docx-fixture";
import { pdfBuffer } from "./pdf-fixtures";
import { zipSync } from "./zip-helper";

// The parser is chosen by what the bytes are, not by what the name says.

describe("content type by magic bytes", () => {
  it("a PDF, a docx and a PNG are recognised whatever their key says", async () => {
    const pdf = await pdfBuffer((d) => d.addPage().text("hello"));
    expect(await detectContentType("notes.txt", pdf)).toBe(TYPES.pdf);
    expect(await detectContentType("upload", makeDocx([{ p: "hello" }]))).toBe(TYPES.docx);
    expect(await detectContentType("report.pdf", Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"))).toBe(TYPES.png);
    expect(await detectContentType("x", Buffer.from("ffd8ffe000104a464946", "hex"))).toBe(TYPES.jpeg);
    expect(await detectContentType("x", Buffer.from("49492a00", "hex"))).toBe(TYPES.tiff);
  });

  it("zip containers are told apart by their inner paths", async () => {
    expect(await detectContentType("a.zip", zipSync({ "xl/workbook.xml": "<workbook/>" }))).toBe(TYPES.xlsx);
    expect(await detectContentType("a.xlsx", zipSync({ "ppt/presentation.xml": "<p/>" }))).toBe(TYPES.pptx);
    expect(await detectContentType("a.docx", zipSync({ "readme.txt": "hi" }))).toBe(TYPES.zip);
  });

  it("text formats: html by its doctype, email by its headers, otherwise the extension or the uploader's claim", async () => {
    expect(await detectContentType("page.txt", Buffer.from("<!DOCTYPE html><html><body>x</body></html>"))).toBe(TYPES.html);
    const mail = "Received: from mx\r\nFrom: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\nDate: Tue, 1 Oct 2024 10:00:00 +0000\r\n\r\nbody";
    expect(await detectContentType("inbox/12345", Buffer.from(mail))).toBe(TYPES.eml);
    expect(await detectContentType("table.csv", Buffer.from("a,b\n1,2\n"))).toBe(TYPES.csv);
    expect(await detectContentType("upload", Buffer.from("# Title\n\ntext"), "text/markdown; charset=utf-8")).toBe(TYPES.markdown);
    expect(await detectContentType("upload", Buffer.from("just words"))).toBe(TYPES.text);
    // A file that mentions "%PDF-" in its text is not a PDF.
    expect(await detectContentType("howto.txt", Buffer.from("Files start with %PDF- then a version."))).toBe(TYPES.text);
  });

  it("text whose first letters look like a short binary signature is still text", async () => {
    expect(await detectContentType("notes.txt", Buffer.from("BMW annual report: revenue grew by four percent."))).toBe(TYPES.text);
    expect(await detectContentType("minutes", Buffer.from("MZ Holdings: minutes of the board meeting."))).toBe(TYPES.text);
    expect(await detectContentType("audio.md", Buffer.from("ID3 tags are the metadata of MP3 files."))).toBe(TYPES.markdown);
    expect(await detectContentType("scan.txt", Buffer.concat([Buffer.from("\r\n"), Buffer.from("%PDF-1.7\n1 0 obj\nendobj")]))).toBe(TYPES.pdf);
  });

  it("binary junk is not text", async () => {
    expect(await detectContentType("blob.txt", Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 31) % 256)))).toBe(TYPES.binary);
  });
});

describe("text encoding", () => {
  const sample = "Straße, café, naïve — “quoted” and 10 €";
  it("UTF-8, with or without BOM", () => {
    expect(decodeText(Buffer.from(sample))).toEqual({ text: sample, encoding: "utf-8" });
    expect(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sample)])).text).toBe(sample);
  });

  it("UTF-16 with a BOM and without one", () => {
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(sample, "utf-16le")])).text).toBe(sample);
    const noBom = decodeText(iconv.encode(`${sample}\r\nA second line of plain words.`, "utf-16le"));
    expect(noBom.encoding).toBe("utf-16le");
    expect(noBom.text).toContain(sample);
  });

  it("legacy Windows-1252 text (not valid UTF-8) keeps its accents, quotes and euro sign", () => {
    const text = `${sample}. Le café est fermé le dimanche; les élèves déjeunent à l'école près de la forêt.`;
    const decoded = decodeText(iconv.encode(text, "windows-1252"));
    expect(decoded.text).toBe(text);
  });

  it("a declared charset wins over guessing", () => {
    expect(decodeText(iconv.encode("Привет, мир", "koi8-r"), "koi8-r").text).toBe("Привет, мир");
  });
});

describe("a name or declared type that the bytes contradict", () => {
  it("text named .pdf (or declared application/pdf) is read as text, and the document says why", async () => {
    const named = await parseDocument({ key: "report.pdf", body: Buffer.from("Quarterly revenue rose four percent.") });
    expect(named.contentType).toBe("text/plain");
    expect(named.warnings?.[0]).toBe("named or declared as PDF, but the bytes are text/plain: read as text");
    const declared = await parseDocument({ key: "upload", body: Buffer.from("Quarterly revenue rose four percent."), contentType: "application/pdf" });
    expect(declared.warnings?.[0]).toMatch(/declared as PDF/);
    const agreed = await parseDocument({ key: "notes.txt", body: Buffer.from("Quarterly revenue rose four percent."), contentType: "text/plain" });
    expect(agreed.warnings ?? []).toEqual([]);
  });
});
