import { afterAll, describe, expect, it } from "vitest";
import { filtersSql, passesFilters } from "../../shared/adapters/embedded/filters";
import { openSqlite } from "../../shared/adapters/embedded/sqlite";
import { filterClauses } from "../../shared/adapters/elasticsearch/es-query";
import { admits } from "../../shared/domain/access";
import { CASES, CORPUS } from "./access-filter-cases";

// The ACL and filter rule is written in three places (domain/access.ts admits, the embedded
// predicate and SQL in adapters/embedded/filters.ts, the Elasticsearch clauses in es-query.ts):
// each must agree with the one table of cases. The SQL runs in real SQLite over the table's
// documents; the Elasticsearch clauses can only be compared with the clauses each case states
// (no ES server runs here, and evaluating them with our own code would prove nothing).

const sorted = (keys: string[]) => [...keys].sort();

describe("one table of filter and ACL cases, every implementation of the rule", () => {
  it("the table covers tenants, ACLs (absent, empty, groups, subject) and every filter", () => {
    const used = new Set(CASES.flatMap((c) => Object.keys(c.filters ?? {})));
    expect([...used].sort()).toEqual(["dateFrom", "dateTo", "department", "keyPrefix", "tags"]);
    expect(new Set(CASES.flatMap((c) => (c.access ? [c.access.tenant] : []))).size).toBeGreaterThanOrEqual(3);
    expect(CASES.every((c) => c.admitted.every((k) => CORPUS.some((d) => d.key === k)))).toBe(true);
  });

  it.each(CASES.filter((c) => c.access && !c.filters))("domain admits: $name", (c) => {
    expect(sorted(CORPUS.filter((d) => admits(c.access!, d.metadata)).map((d) => d.key))).toEqual(sorted(c.admitted));
  });

  it.each(CASES)("embedded vector-side predicate: $name", (c) => {
    expect(sorted(CORPUS.filter((d) => passesFilters(d.key, d.metadata, c.filters, c.access)).map((d) => d.key))).toEqual(sorted(c.admitted));
  });

  describe("embedded BM25-side SQL, evaluated by SQLite", () => {
    const db = openSqlite(":memory:");
    db.exec("CREATE TABLE chunks (document_key TEXT NOT NULL, metadata TEXT NOT NULL)");
    const insert = db.prepare("INSERT INTO chunks VALUES (?, ?)");
    for (const d of CORPUS) insert.run(d.key, JSON.stringify(d.metadata));
    afterAll(() => db.close());

    it.each(CASES)("$name", (c) => {
      const f = filtersSql(c.filters, c.access);
      const rows = db.prepare(`SELECT c.document_key AS key FROM chunks c WHERE 1 = 1${f.sql}`).all(...f.args) as { key: string }[];
      expect(sorted(rows.map((r) => r.key))).toEqual(sorted(c.admitted));
    });
  });

  it.each(CASES)("Elasticsearch clauses (compared with the table's, not evaluated): $name", (c) => {
    expect(filterClauses(c.filters, c.access)).toEqual(c.es);
  });
});
