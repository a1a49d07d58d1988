import { createRequire } from "node:module";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bm25Body, filterClauses, knnBody } from "../../shared/adapters/elasticsearch/es-query";
import { CASES } from "./access-filter-cases";

// No Elasticsearch server runs here, so the search bodies built for every case of the filter/ACL
// table are checked against Elastic's published request specification instead: the client's
// `estypes` are generated from it (elastic/elasticsearch-specification), and the TypeScript compiler
// checks each body, as the JSON the adapter sends at run time, as a `SearchSearchRequestBody` (unknown
// keys and wrong value types are refused). This proves the requests are well-formed for the spec, not
// what ES returns for them.

const ts = createRequire(import.meta.url)("typescript") as typeof import("typescript");
const ROOT = join(import.meta.dirname, "..", "..");

/** The compiler's complaints about each body typed as a search request body, by index. */
function specErrors(bodies: unknown[]): string[] {
  const file = join(ROOT, "test", "contract", "__es_bodies__.ts");
  const source =
    `import type { estypes } from "@elastic/elasticsearch";\n` +
    bodies.map((b, i) => `export const body${i}: estypes.SearchSearchRequestBody = ${JSON.stringify(b)};`).join("\n");
  const options: import("typescript").CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, source, lang) : read(name, lang, ...rest));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    return `body${line - 1}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
  });
}

describe("Elasticsearch search bodies against the published request specification (estypes; no ES server here)", () => {
  // One compilation for both checks (loading the client's types is most of the cost).
  const vector = Float32Array.from({ length: 384 }, (_, i) => Math.sin(i) / 10);
  const tableBodies = CASES.flatMap((c) => {
    const filter = filterClauses(c.filters, c.access);
    return [bm25Body("ledger entries", filter, 30, "model-a"), bm25Body("ledger", filter, 30), knnBody(vector, filter, 30, "model-a")];
  });
  const good = knnBody(new Float32Array([1, 0]), filterClauses({}, { tenant: "acme", readers: ["hr"] }), 5);
  const wrong = [
    { query: { bool: { filter: [{ trem: { tenant: "acme" } }] } } }, // misspelt query type
    { ...good, knn: { ...good.knn, k: "5" } }, // k must be a number
    { ...good, knn: { ...good.knn, filters: [] } }, // unknown key
  ];
  let errors: string[] = [];
  beforeAll(() => {
    errors = specErrors([...tableBodies, ...wrong]);
  }, 90_000);

  it("the BM25 and kNN bodies of every filter/ACL case are valid search request bodies", () => {
    expect(tableBodies.length).toBe(CASES.length * 3);
    expect(errors.filter((e) => Number(e.slice(4, e.indexOf(":"))) < tableBodies.length)).toEqual([]);
  });

  it("the check refuses what the specification does not allow (a misspelt query, a string k, an unknown knn key)", () => {
    const n = tableBodies.length;
    expect([...new Set(errors.map((e) => e.split(":")[0]))]).toEqual([`body${n}`, `body${n + 1}`, `body${n + 2}`]);
  });
});
