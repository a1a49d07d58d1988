import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The import graph of the code (not the tests): no circles, and arrows only from higher layers to lower
// ones. The few known arrows against the layers are listed, so a new one fails here; removing one means
// deleting its line.

const root = resolve(import.meta.dirname, "..", "..", "..");
const SOURCES = ["shared", "functions", "host", "events", "cli", "evals", "stacks"];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "node_modules" ? [] : files(p);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']+)["']/g),
    ...text.matchAll(/import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g),
  ].map((m) => m[1]);
  return specs.flatMap((s) => {
    const base = resolve(dirname(file), s);
    for (const c of [base, `${base}.ts`, join(base, "index.ts")]) {
      try {
        if (statSync(c).isFile()) return [relative(root, c)];
      } catch {
        /* next */
      }
    }
    return [];
  });
}

const graph = new Map<string, string[]>();
for (const dir of SOURCES) for (const f of files(join(root, dir))) graph.set(relative(root, f), importsOf(f));

/** Strongly connected components with more than one file (Tarjan). */
function circles(): string[][] {
  let index = 0;
  const idx = new Map<string, number>(),
    low = new Map<string, number>(),
    on = new Set<string>(),
    stack: string[] = [],
    out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        on.delete(w);
        c.push(w);
        if (w === v) break;
      }
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** Layer of a file: higher may import lower, never the other way. */
const LAYERS: [RegExp, number][] = [
  [/^shared\/(domain|util|observability)\//, 0],
  [/^events\//, 0],
  [/^shared\/topology\.ts$/, 0],
  [/^shared\/(ports|text)\//, 1],
  [/^shared\/adapters\//, 2],
  [/^shared\/(auth|runtime)\//, 3],
  [/^shared\/(ingest|jobs|query)\//, 4],
  [/^(functions|host|cli|evals|stacks)\//, 5],
];
const layerOf = (f: string) => LAYERS.find(([re]) => re.test(f))?.[1] ?? 5;

/** Known arrows against the layers, each with its reason (none left: a new one needs its reason here). */
const KNOWN_UPWARD = new Set<string>([]);

describe("import graph of the code", () => {
  it("reads the code (sanity: the graph is not empty)", () => {
    expect(graph.size).toBeGreaterThan(150);
    expect(graph.get("functions/http/documents.ts")).toContain("shared/ingest/document-requests.ts");
  });

  it("has no import circles", () => {
    const found = circles().map((c) => c.join(" ↔ "));
    expect(found).toEqual([]);
  });

  it("S3 / MinIO records are read at the edge (handlers, host, adapters, events/), never by the core's flows", () => {
    const readers = [...graph].flatMap(([f, deps]) =>
      /^shared\/(domain|ingest|jobs|query|auth|runtime)\//.test(f) && deps.includes("events/s3.ts") ? [f] : [],
    );
    expect(readers).toEqual([]);
  });

  it("the core never imports the runtimes (functions/, host/, cli/, stacks/, evals/)", () => {
    const bad = [...graph].flatMap(([f, deps]) =>
      f.startsWith("shared/") || f.startsWith("events/") ? deps.filter((d) => /^(functions|host|cli|stacks|evals)\//.test(d)).map((d) => `${f} -> ${d}`) : [],
    );
    expect(bad).toEqual([]);
  });

  it("imports point down the layers (domain < ports/text < adapters < auth/runtime < ingest/jobs/query), with no exceptions left", () => {
    const upward = [...graph].flatMap(([f, deps]) => deps.filter((d) => layerOf(d) > layerOf(f)).map((d) => `${f} -> ${d}`));
    expect(upward.filter((a) => !KNOWN_UPWARD.has(a))).toEqual([]);
    expect([...KNOWN_UPWARD].filter((a) => !upward.includes(a))).toEqual([]); // fixed ones leave the list
  });
});
