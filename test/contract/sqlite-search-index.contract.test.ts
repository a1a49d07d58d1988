import { join } from "node:path";
import { SqliteSearchIndex } from "../../shared/adapters/embedded/sqlite-search-index";
import { tempDir } from "../helpers/tmp";
import { searchIndexContract } from "./search-index.contract";

// The embedded index (SQLite FTS5 + stored vectors, a real file per test) against the SearchIndex contract.

searchIndexContract("embedded SQLite (FTS5 + vectors)", () => {
  const t = tempDir();
  const index = new SqliteSearchIndex(join(t.dir, "index.db"));
  return {
    index,
    close: () => {
      index.close();
      t.cleanup();
    },
  };
});
