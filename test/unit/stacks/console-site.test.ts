import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { consolePolicy } from "../../../host/console-policy";
import { writeConsoleSite } from "../../../stacks/console-site";
import { tempDir } from "../../helpers/tmp";

// The console's files as the AWS deploy uploads them (stacks/console-site.ts), laid out as the host
// serves them, with the config.json the deploy writes. The host's own config.json is empty (same origin).

const root = resolve(import.meta.dirname, "..", "..", "..");
const config = { apiUrl: "https://abc123.execute-api.eu-west-1.amazonaws.com", webSocketUrl: "wss://def456.execute-api.eu-west-1.amazonaws.com/$default" };

describe("the console site's files (writeConsoleSite)", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("index.html at the root, every console module under console/, pdf.js and its fonts under console/vendor/pdfjs/, and config.json naming the APIs", () => {
    const out = writeConsoleSite(root, join(t.dir, "site"), config);
    // The page as the host serves it, with the host's policy as a <meta>, the APIs' origins added to connect-src
    // (frame-ancestors, which a <meta> cannot carry, comes from the Router's headers).
    const policy = consolePolicy(["https://abc123.execute-api.eu-west-1.amazonaws.com", "wss://def456.execute-api.eu-west-1.amazonaws.com"], false);
    expect(policy).not.toContain("frame-ancestors");
    expect(readFileSync(join(out, "index.html"), "utf8")).toBe(
      readFileSync(join(root, "console", "index.html"), "utf8").replace(
        '<meta charset="utf-8">',
        `<meta charset="utf-8">\n  <meta http-equiv="Content-Security-Policy" content="${policy}">`,
      ),
    );
    for (const f of ["app.js", "style.css", "lib/api.js", "lib/config.js", "lib/job-stream.js"])
      expect(readFileSync(join(out, "console", f), "utf8"), f).toBe(readFileSync(join(root, "console", f), "utf8"));
    for (const f of ["pdf.min.mjs", "pdf.worker.min.mjs"]) expect(existsSync(join(out, "console", "vendor", "pdfjs", f)), f).toBe(true);
    expect(readdirSync(join(out, "console", "vendor", "pdfjs", "standard_fonts")).length).toBeGreaterThan(5);
    expect(JSON.parse(readFileSync(join(out, "console", "config.json"), "utf8"))).toEqual(config);
    // The host serves the same console with an empty config: same origin, no URL to send the key to.
    expect(JSON.parse(readFileSync(join(root, "console", "config.json"), "utf8"))).toEqual({});
  });

  it("a URL that is not https/wss is refused (the key would travel in clear), except to a loopback address", () => {
    expect(() => writeConsoleSite(root, join(t.dir, "x"), { ...config, apiUrl: "http://abc.example.com" })).toThrow(/apiUrl must be a https URL/);
    expect(() => writeConsoleSite(root, join(t.dir, "x"), { ...config, webSocketUrl: "ws://abc.example.com" })).toThrow(/webSocketUrl must be a wss URL/);
    expect(() => writeConsoleSite(root, join(t.dir, "x"), { ...config, webSocketUrl: "https://abc.example.com" })).toThrow(/webSocketUrl must be a wss URL/);
    expect(() => writeConsoleSite(root, join(t.dir, "x"), { ...config, apiUrl: "not a url" })).toThrow(/apiUrl is not a URL/);
    const local = writeConsoleSite(root, join(t.dir, "local"), { apiUrl: "http://127.0.0.1:8787", webSocketUrl: "ws://127.0.0.1:8787/ws" });
    expect(readFileSync(join(local, "index.html"), "utf8")).toContain("connect-src 'self' http://127.0.0.1:8787 ws://127.0.0.1:8787;");
  });
});
