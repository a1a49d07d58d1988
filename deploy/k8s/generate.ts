// `npm run k8s:generate`: writes deploy/k8s/manifests/ from the topology and deploy/k8s/settings.ts
// (and removes manifests of functions that left the topology).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { topology } from "../../shared/topology";
import { renderManifests } from "./manifests";

export const MANIFESTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "manifests");

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = renderManifests(topology);
  mkdirSync(MANIFESTS_DIR, { recursive: true });
  for (const f of readdirSync(MANIFESTS_DIR)) if (f.endsWith(".yaml") && !files.has(f)) rmSync(join(MANIFESTS_DIR, f));
  for (const [file, text] of files) writeFileSync(join(MANIFESTS_DIR, file), text);
  process.stdout.write(`wrote ${files.size} files to ${MANIFESTS_DIR}\n`);
}
