import type { Topology } from "../shared/topology";

/**
 * `--functions a,b`: the topology with only the named functions, so one process (one Kubernetes
 * Deployment) runs one queue function and scales on that queue alone. Unknown names stop start-up.
 */
export function selectFunctions(topology: Topology, list: string): Topology {
  const names = list
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !topology.functions[n]);
  if (!names.length || unknown.length) {
    throw new Error(`--functions: unknown function ${unknown.join(", ") || "(none named)"}; the topology has ${Object.keys(topology.functions).join(", ")}`);
  }
  return { ...topology, functions: Object.fromEntries(names.map((n) => [n, topology.functions[n]])) };
}
