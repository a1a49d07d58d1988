import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { topology, type Use } from "../../../shared/topology";

// Least privilege must not break a function: on AWS a function builds only the ports it declares
// (RAGLINE_PORTS) and is linked only to them, so one that calls an undeclared port fails there.
// This reads each handler's code and the core it imports (not the runtime and adapters, which hold
// every port) and checks that every `ctx.<port>` it reaches is declared in the topology's `uses`.
// A static check: it sees calls written as `ctx.<port>`, which is how the core calls its ports.

const root = join(import.meta.dirname, "..", "..", "..");
const PORT_OF: Record<string, Use> = {
  objects: "objects",
  queue: "queue",
  jobs: "jobs",
  catalog: "catalog",
  index: "index",
  notifier: "notifier",
  embedder: "embedder",
  previousEmbedder: "embedder",
  reranker: "reranker",
  generator: "generator",
};

function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (/\/shared\/(runtime|adapters)\//.test(file)) continue; // they hold every port; not what a handler calls
    for (const m of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)) {
      const base = resolve(dirname(file), m[1]);
      const hit = [`${base}.ts`, join(base, "index.ts"), base].find((p) => existsSync(p) && p.endsWith(".ts"));
      if (hit) stack.push(hit);
    }
  }
  return [...seen].filter((f) => !/\/shared\/(runtime|adapters)\//.test(f));
}

describe("each function declares every port its code calls", () => {
  for (const [name, def] of Object.entries(topology.functions)) {
    it(name, () => {
      const called = new Set<Use>();
      for (const file of reachable(join(root, "functions", `${def.handler}.ts`))) {
        for (const m of readFileSync(file, "utf8").matchAll(/\bctx\??\.(\w+)\b/g)) if (PORT_OF[m[1]]) called.add(PORT_OF[m[1]]);
      }
      const undeclared = [...called].filter((p) => !(def.uses ?? []).includes(p));
      expect(undeclared, `${name} calls ports it does not declare in shared/topology.ts uses`).toEqual([]);
    });
  }
});
