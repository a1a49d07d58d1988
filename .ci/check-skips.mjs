#!/usr/bin/env node
// Fails CI when a test skipped that is not on the allowlist: a test that cannot run (no datasets, no
// OCR tools, no SST platform) must fail the run, not pass it quietly. Reads vitest's JSON report.
import { readFileSync } from "node:fs";

const [reportPath, allowPath] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportPath, "utf8"));
const allowed = readFileSync(allowPath, "utf8").split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean).map((l) => new RegExp(l));
const skipped = report.testResults.flatMap((file) => file.assertionResults
  .filter((t) => ["skipped", "pending", "todo"].includes(t.status))
  .map((t) => `${file.name.replace(process.cwd() + "/", "")} > ${t.fullName}`));
const unexpected = skipped.filter((s) => !allowed.some((re) => re.test(s)));
console.log(`tests: ${report.numTotalTests} total, ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped.length} skipped (${skipped.length - unexpected.length} allowed)`);
if (report.numTotalTests === 0) { console.error("no tests ran"); process.exit(1); }
if (unexpected.length) {
  console.error(`${unexpected.length} test(s) skipped that must run in CI (allowlist: ${allowPath}):\n  ${unexpected.join("\n  ")}`);
  process.exit(1);
}
