import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { parseDocument } from "../../../shared/ingest/parse";

describe("html", () => {
  it("keeps the main content and its tables, drops navigation, banners, cookie notices and scripts", async () => {
    const html = `<!doctype html><html><head><title>Refund policy | Shop</title><script>var x = "tracking";</script></head><body>
      <header><a href="/">Home</a> <a href="/shop">Shop</a></header>
      <nav><ul><li>Products</li><li>About</li></ul></nav>
      <div class="cookie-banner">We use cookies.</div>
      <main><article>
        <header><h1>Refunds</h1></header>
        <p>Refunds are paid within <b>14 days</b>
           of the return.</p>
        <ul><li>Keep the receipt.</li><li>Use the original box.</li></ul>
        <table><caption>Fees by region</caption>
          <thead><tr><th rowspan="2">Region</th><th colspan="2">Fee</th></tr><tr><th>Standard</th><th>Express</th></tr></thead>
          <tbody><tr><td>EU</td><td>4.90</td><td>9.90</td></tr><tr><td>US</td><td>5.50</td><td>12.00</td></tr></tbody>
        </table>
        <pre>line one
  line two</pre>
      </article></main>
      <aside>Related posts</aside><footer>© Shop 2025</footer>
    </body></html>`;
    const doc = await parseDocument({ key: "refunds.html", body: Buffer.from(html) });
    const all = doc.blocks.map((b) => b.text).join("\n");
    expect(doc.title).toBe("Refund policy | Shop");
    for (const junk of ["Home", "Products", "cookies", "tracking", "Related posts", "©"]) expect(all).not.toContain(junk);
    expect(doc.blocks[0]).toMatchObject({ kind: "heading", level: 1, text: "Refunds" });
    expect(doc.blocks[1]).toMatchObject({ kind: "paragraph", text: "Refunds are paid within 14 days of the return." });
    expect(doc.blocks.filter((b) => b.kind === "list").map((b) => b.text)).toEqual(["Keep the receipt.", "Use the original box."]);
    const table = doc.blocks.find((b) => b.kind === "table")!.table!;
    expect(table.title).toBe("Fees by region");
    // rowspan and colspan are expanded, so every column has its full header.
    expect(table.header).toEqual([
      ["Region", "Fee", "Fee"],
      ["Region", "Standard", "Express"],
    ]);
    expect(table.rows).toEqual([
      ["EU", "4.90", "9.90"],
      ["US", "5.50", "12.00"],
    ]);
    expect(doc.blocks.find((b) => b.kind === "code")?.text).toBe("line one\n  line two");
  });

  it("reads a page without <main> whole, in its declared legacy charset", async () => {
    const html = '<html><head><meta charset="windows-1252"></head><body><div><p>Café – menu</p></div><nav>Skip</nav></body></html>';
    const doc = await parseDocument({ key: "menu.htm", body: iconv.encode(html, "windows-1252") });
    expect(doc.blocks.map((b) => b.text)).toEqual(["Café – menu"]);
  });
});
