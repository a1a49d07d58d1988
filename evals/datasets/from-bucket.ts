import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { ObjectStore } from "../../shared/ports/object-store";
import { datasetsRoot, listDatasets } from "./loader";

// Question sets kept in the bucket, for runs that have no datasets folder beside the code (a Lambda
// function, a container): `.evals/datasets/<name>/` holds a dataset in the same format as a folder
// (questions.jsonl, corpus.jsonl or docs.jsonl and its files). The leading dot keeps them from
// being ingested as documents. They are copied to a local folder (on Lambda, /tmp) before a run;
// a file whose etag has not changed since the last copy is not fetched again (a warm function).

export const BUCKET_DATASETS_PREFIX = ".evals/datasets/";
const MANIFEST = ".etags.json";

/** A key's path below its dataset folder, refused when it could leave that folder. */
function safeRelative(rel: string): string | undefined {
  const parts = rel.split("/");
  return parts.every((p) => p !== "" && p !== "." && p !== ".." && !p.includes("\\") && !p.includes("\0")) ? parts.join(sep) : undefined;
}

/**
 * Copies the named datasets from the bucket into `dir`/<name>/ (only files that changed since the
 * last copy). Returns the names the bucket held a question file for.
 */
export async function datasetsFromBucket(objects: ObjectStore, names: readonly string[], dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of names) {
    if (!safeRelative(name) || name.includes("/")) continue;
    const prefix = `${BUCKET_DATASETS_PREFIX}${name}/`;
    const target = join(dir, name);
    const manifestFile = join(target, MANIFEST);
    const seen: Record<string, string> = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, "utf8")) : {};
    const now: Record<string, string> = {};
    for await (const o of objects.list(prefix)) {
      const rel = safeRelative(o.key.slice(prefix.length));
      if (!rel) continue;
      const file = join(target, rel);
      now[o.key] = o.etag ?? "";
      if (seen[o.key] === o.etag && o.etag && existsSync(file)) continue;
      const got = await objects.get(o.key);
      if (!got) continue; // removed while listing
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, got.body);
    }
    // Files gone from the bucket go from the copy too.
    for (const key of Object.keys(seen))
      if (!(key in now)) {
        const rel = safeRelative(key.slice(prefix.length));
        if (rel) rmSync(join(target, rel), { force: true });
      }
    if (!(`${prefix}questions.jsonl` in now)) continue;
    mkdirSync(target, { recursive: true });
    writeFileSync(manifestFile, JSON.stringify(now));
    found.push(name);
  }
  return found;
}

/** Puts a dataset folder into the bucket where datasetsFromBucket finds it (operators, tests). */
export async function datasetToBucket(objects: ObjectStore, folder: string, name: string): Promise<number> {
  let n = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && e.name !== MANIFEST) {
        await objects.put(`${BUCKET_DATASETS_PREFIX}${name}/${relative(folder, p).split(sep).join("/")}`, await readFile(p));
        n++;
      }
    }
  };
  await walk(folder);
  return n;
}

/**
 * Where a run inside the system reads its datasets: RAGLINE_EVAL_DATASETS="bucket" → the bucket
 * only; another value → that folder only; unset → the folder beside the code, and the bucket for
 * what that folder lacks (as on Lambda, where there is no such folder).
 */
export async function scheduledDatasets(
  objects: ObjectStore,
  setting: string | undefined,
  names: readonly string[],
  copyTo = join(tmpdir(), "ragline-eval-datasets"),
): Promise<{ root: string; have: string[]; looked: string }> {
  if (setting && setting !== "bucket") {
    const root = datasetsRoot(setting);
    return { root, have: listDatasets(root), looked: root };
  }
  if (!setting) {
    const root = datasetsRoot();
    const have = listDatasets(root);
    if (names.every((n) => have.includes(n))) return { root, have, looked: root };
  }
  const have = await datasetsFromBucket(objects, names, copyTo);
  return { root: copyTo, have, looked: `${setting ? "" : `${datasetsRoot()} and `}the bucket's ${BUCKET_DATASETS_PREFIX}` };
}
