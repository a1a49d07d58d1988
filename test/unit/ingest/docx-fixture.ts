import { zipSync } from "./zip-helper";

// A minimal but real WordprocessingML package: styles with heading names, a numbered list, a table.

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** Table cells: "text", or "text>2" spans two columns, "^" continues the cell above (vertical merge). */
export type DocxPart = { heading: 1 | 2; text: string } | { p: string } | { item: string } | { table: string[][] };

function cell(c: string): string {
  if (c === "^") return `<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>`;
  const [text, span] = c.split(">");
  const props = [span ? `<w:gridSpan w:val="${span}"/>` : "", '<w:vMerge w:val="restart"/>'].join("");
  return `<w:tc><w:tcPr>${props}</w:tcPr><w:p><w:r><w:t>${esc(text)}</w:t></w:r></w:p></w:tc>`;
}

function body(parts: DocxPart[]): string {
  return parts
    .map((part) => {
      if ("heading" in part) return `<w:p><w:pPr><w:pStyle w:val="Heading${part.heading}"/></w:pPr><w:r><w:t>${esc(part.text)}</w:t></w:r></w:p>`;
      if ("p" in part) return `<w:p><w:r><w:t xml:space="preserve">${esc(part.p)}</w:t></w:r></w:p>`;
      if ("item" in part)
        return `<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>${esc(part.item)}</w:t></w:r></w:p>`;
      const rows = part.table.map((r) => `<w:tr>${r.map(cell).join("")}</w:tr>`);
      return `<w:tbl>${rows.join("")}</w:tbl>`;
    })
    .join("");
}

export function makeDocx(parts: DocxPart[]): Buffer {
  const style = (id: string, name: string) => `<w:style w:type="paragraph" w:styleId="${id}"><w:name w:val="${name}"/></w:style>`;
  return zipSync({
    "[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
    "_rels/.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
    "word/_rels/document.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>`,
    "word/styles.xml": `<?xml version="1.0"?><w:styles ${W}>${style("Heading1", "heading 1")}${style("Heading2", "heading 2")}${style("ListParagraph", "List Paragraph")}</w:styles>`,
    "word/numbering.xml": `<?xml version="1.0"?><w:numbering ${W}><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>`,
    "word/document.xml": `<?xml version="1.0"?><w:document ${W}><w:body>${body(parts)}</w:body></w:document>`,
  });
}
