import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseDocument } from "../shared/ingest/parse";
import { openPdf } from "../shared/ingest/parse/pdf/document";
import { benchFlags, DATASETS_DIR } from "./support";

// `npm run bench` (PDF text): our PDF parser against poppler's `pdftotext -layout` on the same financebench
// filings, in interleaved rounds in one process (the order alternates), after one unmeasured warm-up pass.
// A third line, pdf.js's bare text layer (getTextContent, nothing else), is the floor our parser stands on.
// Prints pages/s (wall) and pages per CPU-second of each, per round, and the medians of the paired ratios.
// Target: ours >= 0.4x pdftotext (wall).

const flags = benchFlags();
const rounds = Number(flags.rounds ?? 3);
const TARGET = 0.4;
const FILES = ["AMCOR_2023_10K", "ADOBE_2022_10K", "3M_2018_10K", "AMAZON_2019_10K", "BESTBUY_2023_10K"]
  .map((d) => join(DATASETS_DIR, "financebench", "docs", `${d}.pdf`))
  .filter((f) => existsSync(f))
  .slice(0, Number(flags.files ?? 5));
const run = promisify(execFile);

interface Run {
  pages: number;
  wallS: number;
  cpuS: number;
}

/** CPU seconds of this process and of its waited-for children (pdftotext), from /proc (Linux; NaN elsewhere). */
function cpuSeconds(): number {
  try {
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    // Fields 14-17 of stat (utime, stime, cutime, cstime) in clock ticks (100 per second on Linux).
    return fields.slice(11, 15).reduce((s, f) => s + Number(f), 0) / 100;
  } catch {
    return Number.NaN;
  }
}

async function measure(pagesOf: (file: string, body: Buffer) => Promise<number>, bodies: Map<string, Buffer>): Promise<Run> {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  let pages = 0;
  for (const [file, body] of bodies) pages += await pagesOf(file, body);
  return { pages, wallS: (performance.now() - t0) / 1000, cpuS: cpuSeconds() - c0 };
}

const ours = async (file: string, body: Buffer) => (await parseDocument({ key: file, body })).pages ?? 0;
const pdftotext = async (file: string) => {
  const { stdout } = await run("pdftotext", ["-layout", file, "-"], { maxBuffer: 256 * 1024 * 1024 });
  return stdout.split("\f").length - 1;
};
const textLayer = async (_file: string, body: Buffer) => {
  const pdf = await openPdf(body);
  for (let n = 1; n <= pdf.numPages; n++) {
    const page = await pdf.getPage(n);
    await page.getTextContent();
    page.cleanup();
  }
  const pages = pdf.numPages;
  await pdf.destroy();
  return pages;
};

const hasPdftotext = await run("pdftotext", ["-v"]).then(
  () => true,
  () => false,
);
if (!FILES.length) {
  console.log("pdf: financebench PDFs not found, not measured");
} else if (!hasPdftotext) {
  console.log("pdf: pdftotext not installed (poppler-utils), no comparison");
} else {
  const bodies = new Map(FILES.map((f) => [f, readFileSync(f)]));
  const contenders = { ours, pdftotext, "pdf.js text layer": textLayer };
  for (const fn of Object.values(contenders)) await measure(fn, bodies); // warm-up: modules loaded, code compiled
  const runs: Record<string, Run[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    const order = Object.entries(contenders);
    if (r % 2) order.reverse();
    for (const [name, fn] of order) runs[name].push(await measure(fn, bodies));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const wall = (x: Run) => x.pages / x.wallS;
  const cpu = (x: Run) => x.pages / x.cpuS;
  const pages = runs.ours[0].pages;
  console.log(`pdf: ${FILES.length} financebench filings, ${pages} pages, ${rounds} interleaved rounds (after a warm-up)`);
  for (const [name, rs] of Object.entries(runs)) {
    console.log(
      `  ${name.padEnd(18)} ${rs.map((x) => wall(x).toFixed(0)).join(" / ")} pages/s (median ${median(rs.map(wall)).toFixed(0)}), ${median(rs.map(cpu)).toFixed(0)} pages/CPU-s`,
    );
  }
  const ratio = (a: string, b: string, f: (x: Run) => number) => median(runs[a].map((x, i) => f(x) / f(runs[b][i])));
  const vsPoppler = ratio("ours", "pdftotext", wall);
  console.log(
    `  ours / pdftotext -layout: ${vsPoppler.toFixed(2)}x wall, ${ratio("ours", "pdftotext", cpu).toFixed(2)}x per CPU-s (target >= ${TARGET}x: ${vsPoppler >= TARGET ? "met" : "NOT met"})`,
  );
  console.log(
    `  ours / pdf.js text layer: ${ratio("ours", "pdf.js text layer", wall).toFixed(2)}x wall, ${ratio("ours", "pdf.js text layer", cpu).toFixed(2)}x per CPU-s`,
  );
}
