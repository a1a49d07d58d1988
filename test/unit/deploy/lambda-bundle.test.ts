import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { topology } from "../../../shared/topology";

// Every Lambda handler of the topology bundled as SST bundles it (esbuild, ESM, node22), all in one
// build. On Lambda every port is remote, so the SQLite adapters' native driver (better-sqlite3,
// compiled for the deploying machine's Node) must not be in the bundles: it is loaded on first use.

describe("Lambda bundles (esbuild, as SST builds them)", () => {
  it("contain no better-sqlite3, neither bundled nor as an import left for node_modules", async () => {
    const handlers = [...new Set(Object.values(topology.functions).map((f) => f.handler))];
    expect(handlers.length).toBeGreaterThan(10);
    const r = await build({
      entryPoints: handlers.map((h) => `functions/${h}.ts`),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      write: false,
      metafile: true,
      logLevel: "silent",
      outdir: "out",
      splitting: true,
      external: ["@aws-sdk/*"],
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.some((i) => i.startsWith("shared/adapters/embedded/sqlite"))).toBe(true); // the adapters are there…
    expect(inputs.filter((i) => i.includes("node_modules/better-sqlite3"))).toEqual([]); // …their native driver is not
    const imports = Object.values(r.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((p) => p.includes("better-sqlite3"))).toEqual([]);
  }, 120_000);
});
