import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { selectFunctions } from "../../../cli/functions";
import { startHost } from "../../../host";
import { loadConfig } from "../../../shared/runtime/config";
import { createContext } from "../../../shared/runtime/context";
import { topology } from "../../../shared/topology";

// What the Kubernetes workloads run: `ragline serve --role workers --functions <fn>` (one queue
// function per Deployment) and `ragline run <schedule>` (one run per CronJob pod, then exit).
// On the embedded backends, in this process and as real child processes.

const root = join(import.meta.dirname, "..", "..", "..");
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "ragline-k8s-cli-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ragline = (args: string[], dataDir: string) =>
  spawnSync(process.execPath, ["--import", "tsx", join(root, "cli/main.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, RAGLINE_DATA_DIR: dataDir, LOG_LEVEL: "ERROR", NODE_NO_WARNINGS: "1", PORT: "0" },
  });

describe("ragline serve --functions / ragline run", () => {
  it("--functions keeps only the named functions; unknown names are refused", () => {
    const t = selectFunctions(topology, "ingest-embed, webhook-deliver");
    expect(Object.keys(t.functions)).toEqual(["ingest-embed", "webhook-deliver"]);
    expect(t.bucket).toBe(topology.bucket);
    expect(() => selectFunctions(topology, "ingest-embed,nope")).toThrow(/unknown function nope/);
    expect(() => selectFunctions(topology, " , ")).toThrow(/none named/);
  });

  it("a workers host given one function polls that function's queue only", async () => {
    const ctx = createContext(loadConfig({ RAGLINE_DATA_DIR: tmp() }));
    const host = await startHost({ ctx, role: "workers", port: 0, topology: selectFunctions(topology, "ingest-embed"), bucketNotifications: false });
    try {
      expect([...host.pollers.keys()]).toEqual(["ingest-embed"]);
    } finally {
      await host.close();
    }
  });

  it("`run <schedule>` runs it once and exits 0 with its result; a non-schedule or unknown --functions exits 1", () => {
    const data = tmp();
    const ok = ragline(["run", "purge-jobs"], data);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout.trim().split("\n").pop()!)).toEqual({ function: "purge-jobs", result: { purged: 0 } });

    const notSchedule = ragline(["run", "ingest-parse"], data);
    expect(notSchedule.status).toBe(1);
    expect(notSchedule.stderr).toMatch(/"ingest-parse" is not a scheduled function; one of purge-jobs/);

    const unknown = ragline(["serve", "--role", "workers", "--functions", "nope"], data);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/--functions: unknown function nope/);
  }, 120_000);
});
