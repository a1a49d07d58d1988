import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "../cli/args";
import { loadDataset } from "./datasets/loader";
import { formGoldWords, wordRecall } from "./metrics/ocr";
import { startLocalHost } from "./run/local-host";
import { mapPool } from "./run/pool";

// `npm run eval:ocr -- [--datasets DIR] [--limit N]`: OCR quality on FUNSD's scanned forms, through the
// public API of a fresh embedded host: each form goes in with PUT /documents/{key} (the 50 PNG scans and
// the 10 of them also wrapped as image-only PDFs), and once indexed its text is read back with
// GET /documents/{key}/chunks. Word recall: the share of the words of the form's keys and linked answers
// (the FUNSD annotators' transcriptions, dev questions) that appear among the indexed words (each chunk's
// text and its section path, which is indexed with it: OCR lines read as headings go there).

const { flags } = parseArgs(process.argv.slice(2));
const limit = flags.limit ? Number(flags.limit) : undefined;
// The questions through the dataset loader (checked rows).
const dataset = loadDataset("funsd", { root: flags.datasets ? String(flags.datasets) : undefined });
const questions = dataset.questions;
// The loader gives each form once (its PNG); docs.jsonl also names the image-only PDF of the first 10.
const docs = readFileSync(join(dataset.dir, "docs.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { id: string; image: string; scanned_pdf?: string })
  .slice(0, limit);

const uploads = docs.flatMap((d) => [
  { id: d.id, kind: "png", key: `funsd/png/${d.id}.png`, file: d.image, type: "image/png" },
  ...(d.scanned_pdf ? [{ id: d.id, kind: "pdf", key: `funsd/pdf/${d.id}.pdf`, file: d.scanned_pdf, type: "application/pdf" }] : []),
]);

const host = await startLocalHost();
const api = (path: string, init?: RequestInit) => fetch(`${host.url}${path}`, init);
const t0 = performance.now();
try {
  await mapPool(uploads, 4, async (u) => {
    const res = await api(`/documents/${u.key}`, { method: "PUT", body: readFileSync(join(dataset.dir, u.file)), headers: { "content-type": u.type } });
    if (res.status >= 300) throw new Error(`PUT ${u.key}: ${res.status} ${await res.text()}`);
  });
  const rows: { kind: string; id: string; found: number; total: number; status: string }[] = [];
  await mapPool(uploads, 4, async (u) => {
    let status = "pending";
    while (status === "pending" || status === "processing") {
      await new Promise((r) => setTimeout(r, 500));
      status = ((await (await api(`/documents/${u.key}`)).json()) as { status: string }).status;
    }
    const text =
      status === "indexed"
        ? ((await (await api(`/documents/${u.key}/chunks`)).json()) as { chunks: { text: string; sectionPath: string[] }[] }).chunks
            .map((c) => `${c.sectionPath.join(" ")} ${c.text}`)
            .join(" ")
        : "";
    const { found, total } = wordRecall(formGoldWords(questions, u.id), text);
    rows.push({ kind: u.kind, id: u.id, found, total, status });
    process.stderr.write(`\r${rows.length}/${uploads.length} forms read`);
  });
  process.stderr.write(` (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  console.log("FUNSD word recall through the API (words of the dev questions' keys and answers found in the indexed text):");
  for (const kind of ["png", "pdf"]) {
    const of = rows.filter((r) => r.kind === kind && r.total > 0);
    const pooled = of.reduce((s, r) => s + r.found, 0) / of.reduce((s, r) => s + r.total, 0);
    const perForm = of.map((r) => r.found / r.total).sort((a, b) => a - b);
    const failed = rows.filter((r) => r.kind === kind && r.status !== "indexed").length;
    const worst = [...of]
      .sort((a, b) => a.found / a.total - b.found / b.total)
      .slice(0, 3)
      .map((r) => `${r.id} ${(r.found / r.total).toFixed(2)}`);
    console.log(
      `  ${kind}: ${of.length} forms, pooled ${pooled.toFixed(3)}, mean per form ${(perForm.reduce((a, b) => a + b, 0) / perForm.length).toFixed(3)}, worst ${worst.join(", ")}; not indexed ${failed}`,
    );
  }
} finally {
  await host.close();
}
