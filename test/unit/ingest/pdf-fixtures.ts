import PDFDocument from "pdfkit";

// Real PDFs made with pdfkit for the PDF tests: text is placed where a real report would put it.

export function pdfBuffer(build: (doc: PDFKit.PDFDocument) => void, opts: PDFKit.PDFDocumentOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: "LETTER", margin: 54, autoFirstPage: false, ...opts });
    const parts: Buffer[] = [];
    doc.on("data", (b: Buffer) => parts.push(b));
    doc.on("end", () => resolve(Buffer.concat(parts)));
    doc.on("error", reject);
    build(doc);
    doc.end();
  });
}

/** Sentences with a numbered marker word, so order and wholeness can be checked. */
export function sentences(tag: string, n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `The ${tag} team reviewed item ${tag}${i + 1} carefully and recorded the outcome in the shared ledger before the quarterly meeting.`,
  );
}

export const TWO_COLUMN_TEXT = sentences("north", 14).join(" ");

/**
 * Three pages: a running header and a "Page N of 3" footer on each; page 1 has a large title, a heading and
 * two columns of flowing text; page 2 a heading, a paragraph with a hand-hyphenated line break, and an
 * aligned-text financial table; page 3 a closing section.
 */
export function reportPdf(): Promise<Buffer> {
  return pdfBuffer((doc) => {
    const chrome = (n: number) => {
      doc.font("Helvetica").fontSize(8).text("ACME Corporation | Annual Report 2024", 54, 30, { lineBreak: false });
      doc.text(`Page ${n} of 3`, 280, 750, { lineBreak: false });
    };
    doc.addPage();
    chrome(1);
    doc.font("Helvetica-Bold").fontSize(22).text("Annual Report 2024", 54, 70);
    doc.font("Helvetica-Bold").fontSize(15).text("Operations Review", 54, 110);
    doc.font("Helvetica").fontSize(10).text(TWO_COLUMN_TEXT, 54, 140, { columns: 2, columnGap: 24, width: 504, height: 300, align: "justify" });

    doc.addPage();
    chrome(2);
    doc.font("Helvetica-Bold").fontSize(15).text("Financial Results", 54, 70);
    doc.font("Helvetica").fontSize(10);
    // A paragraph whose second line break falls inside a word, hyphenated by hand like a typesetter would.
    doc.text("During the year the company continued to invest in its regional distribution infra-", 54, 100, { lineBreak: false });
    doc.text("structure and in the well-known customer service programme that it started in 2019.", 54, 113, { lineBreak: false });
    doc.text("Management expects these investments to pay back within three years.", 54, 126, { lineBreak: false });
    // Aligned-text table: no ruling lines, numbers right-aligned under their year.
    const right = (t: string, x: number, y: number) => doc.text(t, x - doc.widthOfString(t), y, { lineBreak: false });
    doc.font("Helvetica-Bold").text("Year ended December 31,", 380, 170, { lineBreak: false });
    doc.text("(In millions)", 54, 184, { lineBreak: false });
    right("2024", 440, 184);
    right("2023", 530, 184);
    doc.font("Helvetica");
    const rows: [string, string, string][] = [
      ["Net revenue", "$ 12,480", "$ 11,205"],
      ["Cost of sales", "7,310", "6,902"],
      ["Gross margin", "5,170", "4,303"],
      ["Restructuring charges", "(215)", "—"],
      ["Net income", "1,942", "1,377"],
    ];
    rows.forEach(([label, a, b], i) => {
      const y = 200 + i * 14;
      doc.text(label, 54, y, { lineBreak: false });
      right(a, 440, y);
      right(b, 530, y);
    });
    doc.text("Revenue grew in every region, led by the northern distribution centres.", 54, 290, { lineBreak: false });

    doc.addPage();
    chrome(3);
    doc.font("Helvetica-Bold").fontSize(15).text("Outlook", 54, 70);
    doc.font("Helvetica").fontSize(10).text(sentences("south", 3).join(" "), 54, 100, { width: 504 });
    // A text table without numbers or ruling: columns only by alignment, one cell wrapped onto a second line.
    const contacts = [
      ["Name", "Role", "Office"],
      ["Maria Lopez", "Head of logistics", "Rotterdam"],
      ["Kenji Sato", "Customs liaison for", "Osaka"],
      ["", "the Asian routes", ""],
      ["Ada Byrne", "Fleet planner", "Dublin"],
    ];
    contacts.forEach((row, i) =>
      row.forEach((cell, c) => {
        if (cell) doc.font(i === 0 ? "Helvetica-Bold" : "Helvetica").text(cell, 54 + c * 170, 220 + i * 14, { lineBreak: false });
      }),
    );
  });
}

/** A numeric table cut by a bulleted note, then carried over to a second page without its header. */
export function continuedTablePdf(): Promise<Buffer> {
  return pdfBuffer((doc) => {
    const right = (t: string, x: number, y: number) => doc.text(t, x - doc.widthOfString(t), y, { lineBreak: false });
    const row = (label: string, a: string, b: string, y: number) => {
      doc.text(label, 54, y, { lineBreak: false });
      right(a, 440, y);
      right(b, 530, y);
    };
    doc.addPage().font("Helvetica").fontSize(10);
    doc.text("Segment revenue", 54, 60, { lineBreak: false });
    doc.text("(In millions)", 54, 90, { lineBreak: false });
    right("2024", 440, 90);
    right("2023", 530, 90);
    row("Logistics", "4,210", "3,980", 104);
    row("Retail", "2,115", "2,240", 118);
    doc.text("• Retail declined as two flagship stores closed for renovation.", 54, 134, { lineBreak: false });
    row("Services", "1,030", "870", 150);
    row("Leasing", "640", "610", 164);
    doc.addPage().font("Helvetica").fontSize(10);
    row("Licensing", "320", "295", 60);
    row("Other", "85", "90", 74);
    row("Total revenue", "8,400", "8,085", 88);
  });
}
