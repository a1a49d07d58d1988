import { type BuildResult, build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { topology } from "../../../shared/topology";

// Every Lambda handler of the topology bundled as SST bundles it (esbuild, ESM, node22), all in one
// build. On Lambda every port is remote, so the SQLite adapters' native driver (better-sqlite3,
// compiled for the deploying machine's Node) must not be in the bundles: it is loaded on first use.

describe("Lambda bundles (esbuild, as SST builds them)", () => {
  let r: BuildResult<{ write: false; metafile: true }>;
  beforeAll(async () => {
    const handlers = [...new Set(Object.values(topology.functions).map((f) => f.handler))];
    expect(handlers.length).toBeGreaterThan(10);
    r = await build({
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
  }, 120_000);

  it("contain no better-sqlite3, neither bundled nor as an import left for node_modules", () => {
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.some((i) => i.startsWith("shared/adapters/embedded/sqlite"))).toBe(true); // the adapters are there…
    expect(inputs.filter((i) => i.includes("node_modules/better-sqlite3"))).toEqual([]); // …their native driver is not
    const imports = Object.values(r.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((p) => p.includes("better-sqlite3"))).toEqual([]);
  });

  it("carry the pdf.js that scripts/patch-pdfjs.mjs edited on install, not npm's file", () => {
    const pdfjs = r.outputFiles.filter((f) => f.text.includes('p(this, "TextState")'));
    expect(pdfjs).toHaveLength(1);
    // esbuild reprints and renames: the edits' shapes, not their bytes.
    expect(pdfjs[0].text).toMatch(/clone\(\) \{\s*const e = Object\.assign\(new \w+\(\), this\);\s*return e\.textMatrix/);
    expect(pdfjs[0].text).toMatch(/function W\(\) \{\s*const ue = Y\.font;\s*if \(!ue\.isType3Font\) \{/);
    expect(pdfjs[0].text).not.toMatch(/Object\.assign\(Object\.create\(this\), this\);\s*return e\.textMatrix/);
  });
});
