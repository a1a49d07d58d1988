import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError, type Config } from "../runtime/config";
import { keyStoreSchema, type KeyEntry } from "./config-auth";
import type { Principal } from "../domain/access";

// API keys and bearer tokens → principals. Keys are held (and may be configured) only as sha256
// digests; a lookup hashes the presented secret first, so timing says nothing about stored keys.

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export class KeyStore {
  private readonly byDigest = new Map<string, Principal>();

  constructor(entries: KeyEntry[]) {
    for (const e of entries) {
      const digest = (e.sha256 ?? sha256(e.key!)).toLowerCase();
      this.byDigest.set(digest, Object.freeze({ tenant: e.tenant, subject: e.subject, groups: [...e.groups], roles: [...e.roles] }));
    }
  }

  lookup(secret: string): Principal | undefined {
    return this.byDigest.get(sha256(secret));
  }

  get size() {
    return this.byDigest.size;
  }
}

export function loadKeyStore(config: Pick<Config, "RAGLINE_API_KEYS" | "RAGLINE_API_KEYS_FILE" | "RAGLINE_AUTH">): KeyStore {
  const entries = [...(config.RAGLINE_API_KEYS ?? [])];
  if (config.RAGLINE_API_KEYS_FILE) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(config.RAGLINE_API_KEYS_FILE, "utf8"));
    } catch (err) {
      throw new ConfigError(`RAGLINE_API_KEYS_FILE: cannot read ${config.RAGLINE_API_KEYS_FILE} as JSON: ${(err as Error).message}`);
    }
    const r = keyStoreSchema.safeParse(value);
    if (!r.success) throw new ConfigError(`RAGLINE_API_KEYS_FILE: ${r.error.issues.map((i) => `[${i.path.join(".")}] ${i.message}`).join("; ")}`);
    entries.push(...r.data);
  }
  if (config.RAGLINE_AUTH === "required" && !entries.length)
    throw new ConfigError("RAGLINE_AUTH=required needs keys in RAGLINE_API_KEYS or RAGLINE_API_KEYS_FILE");
  return new KeyStore(entries);
}

const stores = new WeakMap<object, KeyStore>();

/** The key store of a configuration, loaded once. */
export function keyStoreFor(config: Config): KeyStore {
  let s = stores.get(config);
  if (!s) stores.set(config, (s = loadKeyStore(config)));
  return s;
}
