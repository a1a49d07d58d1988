import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { MANIFESTS_DIR } from "../../../deploy/k8s/generate";
import { renderManifests, rateToCron, type Manifest } from "../../../deploy/k8s/manifests";
import { K8S, SECRET_SETTINGS, SETTINGS } from "../../../deploy/k8s/settings";
import { configSchema, loadConfig } from "../../../shared/runtime/config";
import { resolveBackends } from "../../../shared/runtime/config-backends";
import { queueFunctions, topology } from "../../../shared/topology";

// The committed Kubernetes manifests: what the generator makes from the topology today, valid
// against Kubernetes 1.36's OpenAPI and KEDA 2.20.2's CRD schemas (vendored, closed: an unknown
// field fails), and wired as the topology says. What this cannot show (needs a cluster) is in docs/deploy.md.

const schemasDir = join(import.meta.dirname, "..", "..", "..", "deploy", "k8s", "schemas");
const readJson = (f: string) => JSON.parse(readFileSync(join(schemasDir, f), "utf8"));

function validators(): (m: unknown) => ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat("byte", /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
  const k8s = readJson("kubernetes-1.36-strict.json") as { definitions: Record<string, unknown>; kinds: Record<string, string> };
  ajv.addSchema({ $id: "k8s", definitions: k8s.definitions });
  const byKind = new Map<string, ValidateFunction>();
  const root = (ref: object, apiVersion: string, kind: string) =>
    ajv.compile({
      allOf: [ref],
      required: ["apiVersion", "kind", "metadata"],
      properties: { apiVersion: { const: apiVersion }, kind: { const: kind } },
    });
  for (const [gvk, def] of Object.entries(k8s.kinds)) {
    const kind = gvk.split("/").pop()!;
    const apiVersion = gvk.slice(0, -kind.length - 1);
    byKind.set(`${apiVersion} ${kind}`, root({ $ref: `k8s#/definitions/${def}` }, apiVersion, kind));
  }
  // A custom resource's metadata is an ObjectMeta, which the CRD schema leaves to the API server.
  const objectMeta = { properties: { metadata: { $ref: "k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" } } };
  byKind.set(
    "keda.sh/v1alpha1 ScaledObject",
    root({ allOf: [readJson("keda-2.20.2-scaledobject-strict.json"), objectMeta] }, "keda.sh/v1alpha1", "ScaledObject"),
  );
  byKind.set(
    "keda.sh/v1alpha1 TriggerAuthentication",
    root({ allOf: [readJson("keda-2.20.2-triggerauthentication-strict.json"), objectMeta] }, "keda.sh/v1alpha1", "TriggerAuthentication"),
  );
  return (m) => {
    const { apiVersion, kind } = m as Manifest;
    const v = byKind.get(`${apiVersion} ${kind}`);
    if (!v) throw new Error(`no schema for ${apiVersion} ${kind}`);
    return v;
  };
}

const schemaFor = validators();
const errorsOf = (m: unknown) => {
  const v = schemaFor(m);
  return v(m) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
};

const files = readdirSync(MANIFESTS_DIR).filter((f) => f.endsWith(".yaml"));
const onDisk = new Map(files.map((f) => [f, readFileSync(join(MANIFESTS_DIR, f), "utf8")]));
const manifests: Manifest[] = [...onDisk]
  .filter(([f]) => f !== "kustomization.yaml")
  .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS() as Manifest));
const find = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name) as Manifest & { spec: any };
const container = (podSpec: any) => podSpec.containers[0];

describe("Kubernetes manifests (deploy/k8s/manifests)", () => {
  it("are what `npm run k8s:generate` makes from the topology today (no stale, missing or extra files)", () => {
    const fresh = renderManifests(topology);
    expect([...onDisk.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [file, text] of fresh) expect(onDisk.get(file), `${file} is stale: run npm run k8s:generate`).toBe(text);
  });

  it("every document validates against the Kubernetes 1.36 or KEDA 2.20.2 schema of its kind", () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const m of manifests) expect(errorsOf(m), `${m.kind} ${m.metadata.name}`).toEqual([]);
  });

  it("the schemas are closed and typed: a misspelt field, a wrong type, a bad quantity and an unknown kind fail", () => {
    const cron = structuredClone(find("CronJob", "ragline-rollout"));
    expect(errorsOf({ ...cron, spec: { ...cron.spec, concurrencyPolicyy: "Forbid" } }).join()).toMatch(/additional/);
    const dep = structuredClone(find("Deployment", "ragline-api"));
    container(dep.spec.template.spec).resources.limits.memory = "2 gigs";
    expect(errorsOf(dep).join()).toMatch(/pattern/);
    const so = structuredClone(find("ScaledObject", "ragline-ingest-parse"));
    so.spec.minReplicaCount = "zero";
    expect(errorsOf(so).join()).toMatch(/integer/);
    so.spec.minReplicaCount = 0;
    so.spec.triggers[0].metadata.queueLength = 2; // the CRD wants strings
    expect(errorsOf(so).join()).toMatch(/string/);
    expect(() => errorsOf({ apiVersion: "v1", kind: "Pod", metadata: { name: "x" } })).toThrow(/no schema/);
  });

  it("one Deployment per queue function, scaled by KEDA's aws-sqs-queue scaler on its own queue", () => {
    const scaler = readJson("keda-2.20.2-aws-sqs-queue-metadata.json");
    for (const [fn, def] of queueFunctions()) {
      const dep = find("Deployment", `ragline-${fn}`);
      expect(dep, fn).toBeDefined();
      expect(dep.spec.replicas, "KEDA owns the replica count").toBeUndefined();
      expect(container(dep.spec.template.spec).args).toEqual(["serve", "--role", "workers", "--functions", fn]);
      expect(dep.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(def.timeoutSeconds);
      const so = find("ScaledObject", `ragline-${fn}`);
      expect(so.spec.scaleTargetRef.name).toBe(dep.metadata.name);
      expect(so.spec.minReplicaCount).toBe(fn === "query-run" ? 1 : 0);
      const [trigger] = so.spec.triggers;
      expect(trigger.type).toBe("aws-sqs-queue");
      expect(
        Object.keys(trigger.metadata).filter((k) => !scaler.triggerMetadata.includes(k)),
        "keys KEDA's SQS scaler does not read",
      ).toEqual([]);
      for (const k of scaler.required) expect(trigger.metadata[k], k).toBeTruthy();
      const url = new URL(trigger.metadata.queueURL);
      const parts = url.pathname.split("/");
      expect(parts.length === 3 && parts[2], "KEDA takes the queue name from /<account>/<queue>").toBe(
        `${SETTINGS.RAGLINE_SQS_QUEUE_PREFIX}${def.trigger.queue}`,
      );
      expect(trigger.metadata.awsEndpoint).toBe(SETTINGS.RAGLINE_SQS_ENDPOINT); // ElasticMQ, the queue the pods use
      expect(Number(trigger.metadata.queueLength)).toBe(def.concurrency * def.trigger.batchSize);
      expect(find("TriggerAuthentication", trigger.authenticationRef.name)).toBeDefined();
    }
    const auth = find("TriggerAuthentication", "ragline-sqs");
    for (const ref of auth.spec.secretTargetRef) {
      expect(scaler.authParams).toContain(ref.parameter);
      expect(SECRET_SETTINGS[ref.key], ref.key).toBeDefined();
    }
  });

  it("each schedule is a CronJob that runs the function once and never beside itself", () => {
    const schedules = Object.entries(topology.functions).filter(([, d]) => d.trigger.kind === "schedule");
    expect(schedules.length).toBeGreaterThan(0);
    for (const [fn, def] of schedules) {
      const cron = find("CronJob", `ragline-${fn}`);
      expect(cron.spec.concurrencyPolicy).toBe("Forbid");
      expect(cron.spec.schedule).toBe(rateToCron((def.trigger as { expression: string }).expression));
      const pod = cron.spec.jobTemplate.spec.template.spec;
      expect(container(pod).args).toEqual(["run", fn]);
      expect(pod.restartPolicy).toBe("Never");
    }
    expect(rateToCron("rate(1 minute)")).toBe("* * * * *");
    expect(rateToCron("rate(15 minutes)")).toBe("*/15 * * * *");
    expect(rateToCron("rate(1 hour)")).toBe("0 * * * *");
    expect(rateToCron("rate(6 hours)")).toBe("0 */6 * * *");
    expect(rateToCron("rate(1 day)")).toBe("0 0 * * *");
    expect(() => rateToCron("rate(7 minutes)")).toThrow(/no exact cron/);
    expect(() => rateToCron("cron(0 12 * * ? *)")).toThrow(/no exact cron/);
  });

  it("the API (every HTTP, WebSocket and authorizer function) is one Deployment with a Service and an HPA", () => {
    const dep = find("Deployment", "ragline-api");
    expect(container(dep.spec.template.spec).args).toEqual(["serve", "--role", "api"]);
    expect(dep.spec.replicas, "the HPA owns the replica count").toBeUndefined();
    expect(find("Service", "ragline-api").spec.selector).toEqual(dep.spec.selector.matchLabels);
    const hpa = find("HorizontalPodAutoscaler", "ragline-api");
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "ragline-api" });
    expect(hpa.spec.minReplicas).toBe(K8S.api.minReplicas);
    // Every function is run by exactly one workload: API, a queue Deployment, or a CronJob.
    const runBy = (fn: string) =>
      manifests.filter((m: any) => {
        const pod = m.kind === "CronJob" ? m.spec.jobTemplate.spec.template.spec : m.kind === "Deployment" ? m.spec.template.spec : undefined;
        const args: string[] = pod ? container(pod).args : [];
        return (
          args.includes(fn) || (args.join(" ") === "serve --role api" && ["http", "websocket", "authorizer"].includes(topology.functions[fn].trigger.kind))
        );
      });
    for (const fn of Object.keys(topology.functions))
      expect(
        runBy(fn).map((m) => m.metadata.name),
        fn,
      ).toHaveLength(1);
  });

  it("settings: one ConfigMap of config-schema names that the real parser accepts; secrets only referenced, by the same names", () => {
    const cm = find("ConfigMap", K8S.configMap) as unknown as { data: Record<string, string> };
    const schemaKeys = Object.keys(configSchema.shape);
    expect(Object.keys(cm.data).filter((k) => !schemaKeys.includes(k) && k !== "LOG_LEVEL")).toEqual([]);
    expect(Object.keys(SECRET_SETTINGS).filter((k) => !schemaKeys.includes(k))).toEqual([]);
    // Anything named like a credential is a secret, and never a ConfigMap value.
    const secretLike = schemaKeys.filter((k) => /(_KEY|_KEYS|SECRET|PASSWORD|TOKEN|USERNAME|ACCESS_KEY_ID)$/.test(k));
    expect(secretLike.filter((k) => !(k in SECRET_SETTINGS))).toEqual([]);
    expect(Object.keys(cm.data).filter((k) => k in SECRET_SETTINGS)).toEqual([]);
    expect(
      manifests.filter((m) => m.kind === "Secret"),
      "secret values are never generated",
    ).toEqual([]);

    for (const m of manifests as any[]) {
      const pod = m.kind === "CronJob" ? m.spec.jobTemplate.spec.template.spec : m.kind === "Deployment" ? m.spec.template.spec : undefined;
      if (!pod) continue;
      const c = container(pod);
      expect(c.envFrom).toEqual([{ configMapRef: { name: K8S.configMap } }]);
      const env: { name: string; value?: string; valueFrom?: any }[] = c.env;
      for (const e of env.filter((x) => x.valueFrom)) {
        expect(e.valueFrom.secretKeyRef).toEqual({ name: K8S.secret, key: e.name, optional: true });
        expect(SECRET_SETTINGS[e.name], e.name).toBeDefined();
      }
      // The pod's settings as its process would read them (placeholders for the secrets) pass the real configuration.
      const placeholders = Object.fromEntries(
        env.filter((x) => x.valueFrom).map((x) => [x.name, x.name.endsWith("API_KEYS") ? "[]" : "placeholder-secret-value"]),
      );
      const settings = { ...cm.data, ...Object.fromEntries(env.filter((x) => x.value !== undefined).map((x) => [x.name, x.value!])), ...placeholders };
      const config = loadConfig(settings);
      expect(resolveBackends(config, {}).ports, m.metadata.name).toEqual(settings.RAGLINE_PORTS.split(","));
    }
    // Least privilege as on Lambda: the webhook sender gets the webhook key, not the API keys.
    const webhookEnv = container(find("Deployment", "ragline-webhook-deliver").spec.template.spec).env.map((e: { name: string }) => e.name);
    expect(webhookEnv).toContain("RAGLINE_WEBHOOK_SECRET");
    expect(webhookEnv).not.toContain("RAGLINE_API_KEYS");
  });
});
