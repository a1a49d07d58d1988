import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDataset } from "../../../evals/datasets/loader";
import { startHost, type Host } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext } from "../../../shared/runtime/context";
import { DATASETS } from "../../helpers/datasets";
import { api } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";

// A real scanned form (FUNSD 82250337_0338, read from the datasets folder at test time) through the public
// API: PUT as a PNG, read by OCR (Tesseract), then asked about its fields as the eval asks them (the dataset's
// template: the field's label, quoted), each a job, with the dataset's gold values. "TO:" and "FROM:" are labels
// of function words only, which the search and the evidence check used to find nothing in: those jobs declined.

const FORM = "82250337_0338";
const funsd = loadDataset("funsd", { root: DATASETS });
// The loader asks each label through the dataset's template (evals/datasets/profiles.ts); `original` is the label.
const questions = funsd.questions.filter((q) => q.relevantDocIds.includes(FORM) && /^(TO|FROM|MANUFACTURER):$/.test(q.original?.trim() ?? ""));
const squash = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");

describe("questions about a scanned form's fields, through the API (in-process host, OCR by Tesseract)", () => {
  const t = tempDir();
  let host: Host;
  beforeAll(async () => {
    host = await startHost({ ctx: createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir })), port: 0 });
    const png = readFileSync(join(DATASETS, "funsd", "docs", "images", `${FORM}.png`));
    expect((await api(host.url, "PUT", `/documents/forms/${FORM}.png`, png, { "content-type": "image/png" })).status).toBe(202);
    await waitFor(async () => (await api(host.url, "GET", `/documents/forms/${FORM}.png`)).body?.status === "indexed", `${FORM} indexed`, 60_000);
  }, 90_000);
  afterAll(async () => {
    await host?.close();
    t.cleanup();
  });

  it("each field's value is the answer, quoted with its label and cited", async () => {
    expect(questions.map((q) => q.original!.trim()).sort()).toEqual(["FROM:", "MANUFACTURER:", "TO:"]);
    for (const { question, original, answers } of questions) {
      const submit = await api(host.url, "POST", "/queries", { question, filters: { keyPrefix: `forms/${FORM}` } });
      expect(submit.status).toBe(202);
      const job = await waitFor(
        async () => {
          const r = await api(host.url, "GET", `/queries/${submit.body.jobId}`);
          return r.body.status === "completed" ? r.body : undefined;
        },
        `job for ${original}`,
        30_000,
      );
      expect(squash(job.answer), `${question} → ${job.answer}`).toContain(squash(answers[0]));
      expect(job.answer).toContain(original!.trim().replace(/:$/, ""));
      expect(job.citations.map((c: { documentKey: string }) => c.documentKey)).toEqual([`forms/${FORM}.png`]);
    }
  }, 60_000);
});
