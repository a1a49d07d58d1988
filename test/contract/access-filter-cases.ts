import type { ReadAccess } from "../../shared/domain/access";
import type { DocumentMetadata } from "../../shared/domain/document";
import type { QueryFilters } from "../../shared/domain/job";

// One table of request filters and read access, and the documents each must admit. Every place the
// rule is written down agrees with it: domain/access.ts admits, the embedded vector-side predicate
// and SQL (adapters/embedded/filters.ts, through a real SQLite index), every SearchIndex adapter that
// runs here (test/contract/search-index.contract.ts), and for Elasticsearch the clauses each case
// must produce (written out here by hand; no ES server runs on this machine to evaluate them).

export interface CorpusDoc {
  key: string;
  metadata: DocumentMetadata;
}

/** Ten documents: two tenants, ACLs absent / empty / named, departments, tags and dates. */
export const CORPUS: CorpusDoc[] = [
  { key: "hr/handbook.txt", metadata: { department: "hr", date: "2024-01-15", tags: ["policy"], acl: ["hr"] } },
  { key: "hr/holidays.txt", metadata: { department: "hr", date: "2024-06-01", tags: ["policy", "calendar"] } },
  { key: "finance/q1.txt", metadata: { department: "finance", date: "2024-03-31", tags: ["q1", "report"], acl: ["finance", "board"] } },
  { key: "finance/q2.txt", metadata: { department: "finance", date: "2024-06-30", tags: ["q2", "report"], acl: [] } },
  { key: "finance/undated.txt", metadata: { department: "finance", tags: ["report"] } },
  { key: "public/notice.txt", metadata: {} },
  { key: "public/default-named.txt", metadata: { tenant: "default", acl: ["alice"] } },
  { key: "acme/plan.txt", metadata: { tenant: "acme", department: "finance", date: "2024-05-05", tags: ["report"] } },
  { key: "acme/secret.txt", metadata: { tenant: "acme", department: "finance", date: "2024-05-06", acl: ["acme-board"] } },
  { key: "acme/alice.txt", metadata: { tenant: "acme", acl: ["alice"] } },
];

const DEFAULT_OPEN = ["hr/holidays.txt", "finance/q2.txt", "finance/undated.txt", "public/notice.txt"];
const ALL = CORPUS.map((d) => d.key);

export interface AccessFilterCase {
  name: string;
  filters?: QueryFilters;
  access?: ReadAccess;
  /** The keys that pass, in any order. */
  admitted: string[];
  /** The Elasticsearch filter clauses this request must produce (adapters/elasticsearch/es-query.ts). */
  es: unknown[];
}

const esDefaultTenant = {
  bool: { should: [{ term: { tenant: "default" } }, { bool: { must_not: [{ exists: { field: "tenant" } }] } }], minimum_should_match: 1 },
};
const esAcl = (readers: string[]) => ({
  bool: { should: [{ bool: { must_not: [{ exists: { field: "acl" } }] } }, { terms: { acl: readers } }], minimum_should_match: 1 },
});

export const CASES: AccessFilterCase[] = [
  { name: "no filters, unrestricted (internal callers)", admitted: ALL, es: [] },
  {
    name: "key prefix",
    filters: { keyPrefix: "finance/" },
    admitted: ["finance/q1.txt", "finance/q2.txt", "finance/undated.txt"],
    es: [{ prefix: { documentKey: "finance/" } }],
  },
  { name: "key prefix is a prefix, not a pattern", filters: { keyPrefix: "hr/h%" }, admitted: [], es: [{ prefix: { documentKey: "hr/h%" } }] },
  { name: "department", filters: { department: "hr" }, admitted: ["hr/handbook.txt", "hr/holidays.txt"], es: [{ term: { department: "hr" } }] },
  { name: "one tag", filters: { tags: ["policy"] }, admitted: ["hr/handbook.txt", "hr/holidays.txt"], es: [{ term: { tags: "policy" } }] },
  {
    name: "every tag must be present",
    filters: { tags: ["report", "q1"] },
    admitted: ["finance/q1.txt"],
    es: [{ term: { tags: "report" } }, { term: { tags: "q1" } }],
  },
  {
    name: "date from (undated documents excluded)",
    filters: { dateFrom: "2024-05-06" },
    admitted: ["hr/holidays.txt", "finance/q2.txt", "acme/secret.txt"],
    es: [{ range: { date: { gte: "2024-05-06" } } }],
  },
  {
    name: "date to, inclusive",
    filters: { dateTo: "2024-03-31" },
    admitted: ["hr/handbook.txt", "finance/q1.txt"],
    es: [{ range: { date: { lte: "2024-03-31" } } }],
  },
  {
    name: "date range",
    filters: { dateFrom: "2024-03-01", dateTo: "2024-05-31" },
    admitted: ["finance/q1.txt", "acme/plan.txt", "acme/secret.txt"],
    es: [{ range: { date: { gte: "2024-03-01", lte: "2024-05-31" } } }],
  },
  {
    name: "default tenant, no groups: only open documents (no ACL or an empty one)",
    access: { tenant: "default", readers: [] },
    admitted: DEFAULT_OPEN,
    es: [esDefaultTenant, esAcl([])],
  },
  {
    name: "default tenant, group hr",
    access: { tenant: "default", readers: ["hr"] },
    admitted: [...DEFAULT_OPEN, "hr/handbook.txt"],
    es: [esDefaultTenant, esAcl(["hr"])],
  },
  {
    name: "one of several groups in an ACL is enough",
    access: { tenant: "default", readers: ["board", "nobody"] },
    admitted: [...DEFAULT_OPEN, "finance/q1.txt"],
    es: [esDefaultTenant, esAcl(["board", "nobody"])],
  },
  {
    name: "the subject named in an ACL reads it; an explicit default tenant is the default tenant",
    access: { tenant: "default", readers: ["alice"] },
    admitted: [...DEFAULT_OPEN, "public/default-named.txt"],
    es: [esDefaultTenant, esAcl(["alice"])],
  },
  {
    name: "another tenant sees only its own documents, whatever the groups",
    access: { tenant: "acme", readers: ["hr", "finance", "board"] },
    admitted: ["acme/plan.txt"],
    es: [{ term: { tenant: "acme" } }, esAcl(["hr", "finance", "board"])],
  },
  {
    name: "in another tenant, the subject reads the document naming it and the open one",
    access: { tenant: "acme", readers: ["alice"] },
    admitted: ["acme/plan.txt", "acme/alice.txt"],
    es: [{ term: { tenant: "acme" } }, esAcl(["alice"])],
  },
  { name: "an unknown tenant reads nothing", access: { tenant: "globex", readers: ["hr"] }, admitted: [], es: [{ term: { tenant: "globex" } }, esAcl(["hr"])] },
  {
    name: "filters and access together",
    filters: { department: "finance", tags: ["report"], dateFrom: "2024-01-01" },
    access: { tenant: "default", readers: ["finance"] },
    admitted: ["finance/q1.txt", "finance/q2.txt"],
    es: [{ term: { department: "finance" } }, { term: { tags: "report" } }, { range: { date: { gte: "2024-01-01" } } }, esDefaultTenant, esAcl(["finance"])],
  },
];
