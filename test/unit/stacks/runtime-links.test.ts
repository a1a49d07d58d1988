import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../shared/runtime/config";
import { resolveBackends } from "../../../shared/runtime/config-backends";
import { createRemoteContext } from "../../../shared/runtime/remote-context";
import { tempDir } from "../../helpers/tmp";

// The run-time half of least privilege (stacks/links.ts is the deploy-time half): a Lambda function
// linked only to what it uses must start without the other links (RAGLINE_PORTS), and secrets reach
// the configuration through SST's links, not environment variables.

const root = join(import.meta.dirname, "..", "..", "..");

describe("a function linked only to what it uses", () => {
  const aws = { RAGLINE_BACKEND: "aws", RAGLINE_AWS_REGION: "eu-west-1" } as const;

  it("resolves its backends with only its own links when RAGLINE_PORTS names its ports; without it, the missing link is named", () => {
    const links = { Jobs: { name: "ragline-jobs-x" }, Realtime: { managementEndpoint: "https://abc.execute-api.eu-west-1.amazonaws.com/$default" } };
    const c = loadConfig({ ...aws, RAGLINE_PORTS: "jobs,notifier" });
    expect(resolveBackends(c, links)).toMatchObject({ ports: ["jobs", "notifier"], dynamodb: { jobsTable: "ragline-jobs-x" } });
    expect(() => resolveBackends(loadConfig({ ...aws }), links)).toThrow(/RAGLINE_S3_BUCKET/);
  });

  it("a port it does not build fails on use, naming itself (never a silent fallback)", async () => {
    const t = tempDir();
    const ctx = createRemoteContext(loadConfig({ ...aws, RAGLINE_DATA_DIR: t.dir, RAGLINE_PORTS: "none" }));
    await expect(ctx.objects.get("a.txt")).rejects.toThrow(/adapter is not available/);
    await expect(ctx.jobs.get("j")).rejects.toThrow(/adapter is not available/);
    await ctx.close();
    t.cleanup();
  });

  it("reads linked secrets through SST's Resource (SST_RESOURCE_* as on Lambda); an explicit variable wins", () => {
    const script = `import { loadConfig } from "./shared/runtime/config.ts"; const c = loadConfig(); console.log(JSON.stringify({ w: c.RAGLINE_WEBHOOK_SECRET, k: c.RAGLINE_API_KEYS?.map((e) => e.subject), l: c.RAGLINE_LLM_API_KEY }));`;
    const run = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: root,
        encoding: "utf8",
        env: { PATH: process.env.PATH!, ...env },
      });
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    };
    const secret = (value: string) => JSON.stringify({ type: "sst.sst.Secret", value });
    const linked = {
      SST_RESOURCE_App: JSON.stringify({ name: "ragline", stage: "test" }),
      SST_RESOURCE_WebhookSecret: secret("linked-webhook-secret-0123456789"),
      SST_RESOURCE_ApiKeys: secret(JSON.stringify([{ key: "alice-key-0123456789abcdef", subject: "alice" }])),
    };
    expect(run(linked)).toEqual({ w: "linked-webhook-secret-0123456789", k: ["alice"] });
    expect(run({ ...linked, RAGLINE_WEBHOOK_SECRET: "explicit-secret-0123456789abcdef" }).w).toBe("explicit-secret-0123456789abcdef");
    expect(run({}).w).toBeUndefined();
  }, 90_000);
});
