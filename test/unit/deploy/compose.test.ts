import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The on-prem compose file, validated by Debian's docker-compose (`config` checks it against the
// Compose schema, resolves paths and variables, and prints the result; no Docker engine needed).
// Its output is read with Python's yaml module, which docker-compose itself depends on.

const root = resolve(import.meta.dirname, "../../..");
const file = "deploy/onprem/compose.yaml";
const secrets = { MINIO_ROOT_PASSWORD: "pw-for-the-test", RAGLINE_BUCKET_WEBHOOK_TOKEN: "token", RAGLINE_WEBHOOK_SECRET: "secret" };
const hasCompose = spawnSync("docker-compose", ["version"]).status === 0;

function config(env: Record<string, string>) {
  // Run from the repository root, as the README says; no variable from this process leaks in.
  return spawnSync("docker-compose", ["-f", file, "config"], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp", ...env },
    encoding: "utf8",
  });
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  secrets?: { source: string }[];
}

/** docker-compose 1.x prints volumes in the short form, "source:target[:mode]". */
const mount = (s: Service, target: string) => s.volumes?.map((v) => v.split(":")).find((v) => v[1] === target)?.[0];

describe.skipIf(!hasCompose)("on-prem compose file (docker-compose config; apt package docker-compose)", () => {
  const out = config(secrets);
  type Config = { services: Record<string, Service>; secrets: Record<string, { file: string }>; volumes: Record<string, unknown> };
  let parsed: Config | undefined;
  const compose = (): Config =>
    (parsed ??= JSON.parse(
      execFileSync("python3", ["-c", "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"], { input: out.stdout, encoding: "utf8" }),
    ));

  it("is valid when started from the repository root with its secrets set", () => {
    expect(out.stderr).not.toMatch(/invalid|error/i);
    expect(out.status).toBe(0);
  });

  it("refuses to start without the secrets, naming the missing variable", () => {
    const r = config({});
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/MINIO_ROOT_PASSWORD/);
  });

  it("builds the image from the repository root with deploy/onprem/Dockerfile, and mounts files that exist as files", () => {
    const { services, secrets: s } = compose();
    for (const name of ["api", "workers"]) {
      expect(services[name].build).toEqual({ context: root, dockerfile: "deploy/onprem/Dockerfile" });
      expect(services[name].secrets).toEqual([{ source: "api-keys" }]);
    }
    expect(s["api-keys"].file).toBe(join(root, "deploy/onprem/api-keys.json")); // next to compose.yaml, not in the caller's folder
    const conf = mount(services.elasticmq, "/opt/elasticmq.conf")!;
    expect(conf).toBe(join(root, "deploy/onprem/elasticmq.conf"));
    expect(statSync(conf).isFile()).toBe(true);
  });

  it("pins every image to a version, and no MinIO image that is no longer published", () => {
    for (const [name, s] of Object.entries(compose().services)) {
      if (s.build) continue;
      expect(s.image, name).toMatch(/:[\w.-]+$/);
      expect(s.image, name).not.toMatch(/:latest$/);
      expect(s.image, name).not.toMatch(/^(minio\/minio|minio\/mc)(:|$)/);
    }
  });

  it("starts the ragline services only after their backends are healthy, each of which has a healthcheck", () => {
    const { services } = compose();
    for (const name of ["api", "workers"]) {
      const deps = services[name].depends_on!;
      for (const backend of ["minio", "elasticmq", "scylla", "elasticsearch"]) {
        expect(deps[backend], `${name} -> ${backend}`).toEqual({ condition: "service_healthy" });
      }
      expect(services[name].healthcheck?.test.length).toBeGreaterThan(1);
    }
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        if (condition === "service_healthy") expect(services[dep].healthcheck?.test?.length, `${name} waits for ${dep}'s health`).toBeGreaterThan(1);
      }
    }
    expect(services["minio-setup"].depends_on).toEqual({ minio: { condition: "service_healthy" }, api: { condition: "service_healthy" } });
  });

  it("keeps ElasticMQ's messages on a volume (H2 file storage), not only in memory", () => {
    const { services, volumes } = compose();
    expect(mount(services.elasticmq, "/data")).toBe("elasticmq"); // a named volume
    expect(volumes).toHaveProperty("elasticmq");
    const conf = readFileSync(join(root, "deploy/onprem/elasticmq.conf"), "utf8");
    expect(conf).toMatch(/messages-storage\s*\{\s*enabled\s*=\s*true,\s*uri\s*=\s*"jdbc:h2:\/data\//);
  });
});

describe("on-prem image (deploy/onprem/Dockerfile, read as text: no Docker engine here)", () => {
  const text = readFileSync(join(root, "deploy/onprem/Dockerfile"), "utf8");
  it("is Node 22 with tesseract and poppler, dependencies from the lockfile, and copies every folder the host imports", () => {
    expect(text.match(/^FROM (\S+)/gm)!.every((l) => /^FROM node:22-/.test(l))).toBe(true);
    expect(text).toMatch(/apt-get install[^\n]*tesseract-ocr tesseract-ocr-eng poppler-utils/);
    expect(text).toMatch(/RUN npm ci\b/);
    // npm ci runs package.json's postinstall (scripts/patch-pdfjs.mjs): the script must be there before it.
    expect(text.indexOf("COPY scripts ./scripts")).toBeGreaterThan(-1);
    expect(text.indexOf("COPY scripts ./scripts")).toBeLessThan(text.indexOf("RUN npm ci"));
    for (const dir of ["bin", "cli", "events", "evals", "functions", "host", "shared"]) {
      expect(text, dir).toMatch(new RegExp(`^COPY ${dir} \\./${dir}$`, "m"));
      expect(existsSync(join(root, dir)), dir).toBe(true);
    }
  });
});
