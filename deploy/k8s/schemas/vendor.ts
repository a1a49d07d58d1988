// Re-creates the vendored schemas in this folder from their upstream files (see README.md for where
// each comes from). Not run by CI: the output is committed. Usage:
//   npx tsx deploy/k8s/schemas/vendor.ts <kubernetes swagger.json> <keda.sh_scaledobjects.yaml> <keda.sh_triggerauthentications.yaml>
//
// What it does to them, and why:
// - Kubernetes: keeps only the definitions reachable from the kinds the generator emits (the spec is
//   4 MB), drops descriptions, and makes every object closed (additionalProperties: false) as
//   kubeconform's "strict" mode does, so a misspelt field fails instead of being ignored.
//   IntOrString and Quantity become what the API server accepts (int or string; number or a
//   quantity string, with the grammar given in Quantity's own description).
// - KEDA: the CRDs' openAPIV3Schema, closed the same way except where the CRD preserves unknown
//   fields; the x-kubernetes-* annotations are dropped (JSON Schema validators do not know them).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

type Schema = Record<string, unknown>;

/** The kinds the generator emits (apiVersion + kind → definition name). */
export const KUBERNETES_KINDS: Record<string, string> = {
  "v1/ConfigMap": "io.k8s.api.core.v1.ConfigMap",
  "v1/Service": "io.k8s.api.core.v1.Service",
  "apps/v1/Deployment": "io.k8s.api.apps.v1.Deployment",
  "autoscaling/v2/HorizontalPodAutoscaler": "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
  "batch/v1/CronJob": "io.k8s.api.batch.v1.CronJob",
};

const QUANTITY = "^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$";

function close(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(close);
  if (!schema || typeof schema !== "object") return schema;
  const out: Schema = {};
  const preserve = (schema as Schema)["x-kubernetes-preserve-unknown-fields"] === true;
  for (const [k, v] of Object.entries(schema as Schema)) {
    if (k === "description" || k.startsWith("x-kubernetes-")) continue;
    // "properties" holds field names, not schemas: recurse into each field's schema.
    out[k] = k === "properties" ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, close(s)])) : close(v);
  }
  if (out.properties && out.additionalProperties === undefined && !preserve) out.additionalProperties = false;
  return out;
}

function refs(schema: unknown, found: Set<string>) {
  if (Array.isArray(schema)) return schema.forEach((s) => refs(s, found));
  if (!schema || typeof schema !== "object") return;
  for (const [k, v] of Object.entries(schema as Schema)) {
    if (k === "$ref" && typeof v === "string") found.add(v.replace("#/definitions/", ""));
    else refs(v, found);
  }
}

export function kubernetesSubset(swagger: { definitions: Record<string, Schema> }) {
  const keep = new Set<string>();
  const queue = Object.values(KUBERNETES_KINDS);
  while (queue.length) {
    const name = queue.pop()!;
    if (keep.has(name)) continue;
    if (!swagger.definitions[name]) throw new Error(`definition ${name} not in the spec`);
    keep.add(name);
    const found = new Set<string>();
    refs(swagger.definitions[name], found);
    queue.push(...found);
  }
  const definitions: Record<string, unknown> = {};
  for (const name of [...keep].sort()) definitions[name] = close(swagger.definitions[name]);
  definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = { oneOf: [{ type: "string" }, { type: "integer" }] };
  definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"] = { oneOf: [{ type: "string", pattern: QUANTITY }, { type: "number" }] };
  return { definitions, kinds: KUBERNETES_KINDS };
}

export function crdSchema(crdYaml: string) {
  const crd = parse(crdYaml) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
  const v = crd.spec.versions.find((x) => x.name === "v1alpha1");
  if (!v) throw new Error("no v1alpha1 version in the CRD");
  return close(v.schema.openAPIV3Schema);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [swaggerPath, scaledObjectsPath, triggerAuthPath] = process.argv.slice(2);
  if (!triggerAuthPath) throw new Error("usage: vendor.ts <swagger.json> <keda.sh_scaledobjects.yaml> <keda.sh_triggerauthentications.yaml>");
  const here = dirname(fileURLToPath(import.meta.url));
  const write = (file: string, value: unknown) => writeFileSync(join(here, file), JSON.stringify(value, null, 1) + "\n");
  write("kubernetes-1.36-strict.json", kubernetesSubset(JSON.parse(readFileSync(swaggerPath, "utf8"))));
  write("keda-2.20.2-scaledobject-strict.json", crdSchema(readFileSync(scaledObjectsPath, "utf8")));
  write("keda-2.20.2-triggerauthentication-strict.json", crdSchema(readFileSync(triggerAuthPath, "utf8")));
}
