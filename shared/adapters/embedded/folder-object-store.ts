import { createHash, randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, readFileSync, statSync, type Stats } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ObjectInfo, ObjectStore, PutOptions } from "../../ports/object-store";

// The bucket is a folder. Keys are paths inside it ("/"-separated). Writes go to a temp file in the
// data dir and are renamed into place, so readers never see half a file. User metadata lives in a
// sidecar `<key>.meta.json` (department, date, tags, acl), which is not an object itself.

export const SIDECAR_SUFFIX = ".meta.json";
const TMP_PREFIX = ".ragline-tmp-";
/** Objects up to this size are read synchronously (see get). */
const SYNC_READ_BYTES = 256 * 1024;

export class FolderObjectStore implements ObjectStore {
  readonly name = "folder";
  private readonly tmpDir: string;
  /** Called with the key after put/delete through this API, so the watcher need not wait for the file system. */
  onChange?: (key?: string) => void;

  constructor(
    readonly root: string,
    tmpDir?: string,
  ) {
    mkdirSync(root, { recursive: true });
    this.tmpDir = tmpDir ?? join(dirname(root), "tmp");
    mkdirSync(this.tmpDir, { recursive: true });
  }

  pathOf(key: string): string {
    const clean = key.replace(/^\/+/, "");
    if (!clean || clean.split("/").some((p) => p === ".." || p === "." || p === "")) throw new Error(`invalid object key: ${key}`);
    return join(this.root, ...clean.split("/"));
  }

  // Reads of small objects are synchronous: a stat and a read of a local file take microseconds, where
  // the promise API costs a thread-pool round trip each for open, stat, read and close. Large files
  // are read asynchronously, so a big PDF never holds the event loop.
  async get(key: string) {
    const path = this.pathOf(key);
    const s = statSync(path, { throwIfNoEntry: false });
    if (!s?.isFile()) return undefined;
    try {
      const body = s.size <= SYNC_READ_BYTES ? readFileSync(path) : await readFile(path);
      return { body, info: this.infoOf(key, s) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const s = statSync(this.pathOf(key), { throwIfNoEntry: false });
    return s?.isFile() ? this.infoOf(key, s) : undefined;
  }

  private infoOf(key: string, s: Stats): ObjectInfo {
    return { key, size: s.size, lastModified: s.mtime.toISOString(), etag: `${s.size}-${s.mtimeMs}`, metadata: this.sidecar(key) };
  }

  private sidecar(key: string): Record<string, string> | undefined {
    const path = this.pathOf(key) + SIDECAR_SUFFIX;
    try {
      if (!statSync(path, { throwIfNoEntry: false })) return undefined; // most objects have none: no exception thrown and caught
      const raw = JSON.parse(readFileSync(path, "utf8"));
      return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    } catch {
      return undefined;
    }
  }

  async put(key: string, body: Buffer | Readable, opts: PutOptions = {}): Promise<ObjectInfo> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    // The bytes first (a stream goes to disk as it comes; if it fails, nothing else has changed), then
    // the sidecar, then the rename: the watcher finds a new file with its metadata already in place.
    const tmp = await this.writeTemp(body);
    try {
      if (opts.metadata && Object.keys(opts.metadata).length) await this.atomicWrite(target + SIDECAR_SUFFIX, Buffer.from(JSON.stringify(opts.metadata)));
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    this.onChange?.(key);
    return (await this.head(key))!;
  }

  private async writeTemp(body: Buffer | Readable): Promise<string> {
    const tmp = join(this.tmpDir, TMP_PREFIX + randomUUID());
    try {
      if (Buffer.isBuffer(body)) await writeFile(tmp, body);
      else await pipeline(body, createWriteStream(tmp));
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return tmp;
  }

  private async atomicWrite(target: string, body: Buffer) {
    await rename(await this.writeTemp(body), target);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
    await rm(this.pathOf(key) + SIDECAR_SUFFIX, { force: true });
    this.onChange?.(key);
  }

  async *list(prefix = ""): AsyncIterable<ObjectInfo> {
    // Walked from the prefix's folder, so a prefix naming a hidden folder (the eval reports' `.reports/`) lists it.
    for (const key of await this.keys(prefix.slice(0, prefix.lastIndexOf("/") + 1))) {
      if (!key.startsWith(prefix)) continue;
      const info = await this.head(key);
      if (info) yield info;
    }
  }

  /** Every object key in the bucket (or under a "dir/" prefix), sorted; hidden files and sidecars are not objects. */
  async keys(under = ""): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string) => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.name.startsWith(".")) continue;
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile() && !e.name.endsWith(SIDECAR_SUFFIX)) out.push(relative(this.root, p).split(sep).join("/"));
      }
    };
    const segments = under.split("/").filter(Boolean);
    if (segments.some((s) => s === ".." || s === ".")) return [];
    await walk(join(this.root, ...segments));
    return out.sort();
  }

  /** Whether a key names a folder (the keys under it are objects). */
  async isFolder(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * Stat of a key and its sidecar, as one change marker. Synchronous: two stats of a local file take
   * microseconds, far less than two round trips through the thread pool (a burst of dropped files is
   * looked at file by file).
   */
  fingerprint(key: string): string | undefined {
    try {
      const s = statSync(this.pathOf(key), { throwIfNoEntry: false });
      if (!s?.isFile()) return undefined; // gone, or a directory (not an object: its keys are under it)
      const side = statSync(this.pathOf(key) + SIDECAR_SUFFIX, { throwIfNoEntry: false });
      return createHash("sha1")
        .update(`${s.size}:${s.mtimeMs}:${side ? side.mtimeMs : ""}`)
        .digest("hex")
        .slice(0, 16);
    } catch {
      return undefined;
    }
  }
}
