import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Loads a sample event: `loadFixture("s3/object-created")` reads events/fixtures/s3/object-created.json. */
export function loadFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", `${name}.json`), "utf8")) as T;
}
