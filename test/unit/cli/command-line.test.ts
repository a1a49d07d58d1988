import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { choiceFlag, integerFlag, parseCommandLine, UsageError } from "../../../cli/args";

// The `ragline` command's options (node:util parseArgs, strict): a typo or a bad value is refused
// with a message and exit code 64, never ignored (before, `--prot 9000` started on the default port).

describe("ragline command line", () => {
  it("takes each command's own options and positionals", () => {
    expect(parseCommandLine("serve", ["--role", "api", "--port=0", "--data", "/tmp/x"])).toEqual({
      flags: { role: "api", port: "0", data: "/tmp/x" },
      positionals: [],
    });
    expect(parseCommandLine("redrive", ["ingest-embed", "--limit", "5"])).toEqual({ flags: { limit: "5" }, positionals: ["ingest-embed"] });
    expect(parseCommandLine("redrive", ["--all"]).flags).toEqual({ all: true });
  });

  it("refuses an unknown option, another command's option, or an option without its value", () => {
    expect(() => parseCommandLine("dev", ["--prot", "9000"])).toThrow(/dev: unknown option --prot \(dev takes --data, --port\)/);
    expect(() => parseCommandLine("dev", ["--role", "api"])).toThrow(UsageError); // serve's option
    expect(() => parseCommandLine("ask", ["question", "--top-k"])).toThrow(/top-k/);
    expect(() => parseCommandLine("run", ["--all", "evals-run"])).toThrow(/run takes no options/);
  });

  it("checks values: integers in range, choices from their list", () => {
    expect(integerFlag({ port: "0" }, "port", 0, 65535)).toBe(0);
    expect(() => integerFlag({ port: "70000" }, "port", 0, 65535)).toThrow(/--port must be an integer from 0 to 65535/);
    expect(() => integerFlag({ "top-k": "ten" }, "top-k", 1)).toThrow(UsageError);
    expect(() => integerFlag({ limit: "-1" }, "limit", 1)).toThrow(UsageError);
    expect(choiceFlag({}, "role", ["all", "api", "workers"], "all")).toBe("all");
    expect(() => choiceFlag({ role: "worker" }, "role", ["all", "api", "workers"], "all")).toThrow(/--role must be one of all, api, workers \(got worker\)/);
  });

  it("the real command exits 64 with the message and the usage on a usage error, before starting anything", () => {
    const root = join(import.meta.dirname, "..", "..", "..");
    const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "cli/main.ts"), "serve", "--role", "worker"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    });
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/ragline: --role must be one of all, api, workers \(got worker\)/);
    expect(r.stderr).toMatch(/usage:/);
    expect(r.stdout).not.toMatch(/ragline is running/);
  });
});
