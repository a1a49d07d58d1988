import { stringify } from "yaml";
import { rateMs } from "../../host/schedule";
import type { FunctionDef, QueueTrigger, Topology } from "../../shared/topology";
import { K8S, SETTINGS, secretsFor } from "./settings";

// Kubernetes manifests from the topology: one Deployment per queue function, scaled by KEDA on its
// queue's depth; the API (HTTP + WebSocket routes) as one Deployment + Service + HPA; each schedule
// as a CronJob that never runs beside itself; one ConfigMap of settings; secrets only referenced.

export type Manifest = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } };
export interface ManifestFile {
  file: string;
  docs: Manifest[];
}

const PORTS = ["objects", "queue", "jobs", "catalog", "index", "notifier"];
const labels = (component: string) => ({ "app.kubernetes.io/name": "ragline", "app.kubernetes.io/component": component });
const pollWait = Number(SETTINGS.RAGLINE_POLL_WAIT_SECONDS ?? 1);

/** AWS `rate(N unit)` as a cron schedule; refuses rates cron cannot keep exactly. */
export function rateToCron(expression: string): string {
  const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  const n = Number(m?.[1]);
  if (m && m[2].startsWith("minute") && n >= 1 && 60 % n === 0) return n === 1 ? "* * * * *" : `*/${n} * * * *`;
  if (m && m[2].startsWith("hour") && n >= 1 && 24 % n === 0) return n === 1 ? "0 * * * *" : `0 */${n} * * *`;
  if (m && m[2].startsWith("day") && n === 1) return "0 0 * * *";
  throw new Error(`schedule "${expression}" has no exact cron form (rate(N minutes) with N dividing 60, rate(N hours) with N dividing 24, rate(1 day))`);
}

/** The one container every workload runs: the image, its ragline args, settings, and only the secrets and ports its functions use. */
function container(args: string[], defs: FunctionDef[], api = false) {
  const uses = new Set<string>(defs.flatMap((d) => d.uses ?? []));
  const memoryMi = Math.max(512, ...defs.map((d) => d.memoryMB ?? 0));
  return {
    name: "ragline",
    image: K8S.image,
    args,
    envFrom: [{ configMapRef: { name: K8S.configMap } }],
    env: [
      // Like a Lambda linked to what it uses: the process builds (and provisions) only these ports.
      { name: "RAGLINE_PORTS", value: PORTS.filter((p) => uses.has(p)).join(",") },
      ...secretsFor(defs, api).map((name) => ({ name, valueFrom: { secretKeyRef: { name: K8S.secret, key: name, optional: true } } })),
    ],
    resources: { requests: { cpu: api ? "500m" : "250m", memory: `${memoryMi}Mi` }, limits: { memory: `${memoryMi}Mi` } },
    // The image runs as its `node` user (uid 1000); the kubelet needs the number to check it.
    securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}

function settingsMap(): Manifest {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: K8S.configMap, labels: labels("settings") }, data: { ...SETTINGS } };
}

function api(topology: Topology): Manifest[] {
  const defs = Object.values(topology.functions).filter((d) => ["http", "websocket", "authorizer"].includes(d.trigger.kind));
  const name = "ragline-api";
  const probe = { tcpSocket: { port: "http" }, periodSeconds: 10 };
  const c = {
    ...container(["serve", "--role", "api"], defs, true),
    ports: [{ name: "http", containerPort: K8S.port }],
    readinessProbe: probe,
    livenessProbe: { ...probe, initialDelaySeconds: 20 },
  };
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, labels: labels("api") },
      // No replicas: the HPA owns them (an applied count would fight it).
      spec: { selector: { matchLabels: labels("api") }, template: { metadata: { labels: labels("api") }, spec: { containers: [c] } } },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, labels: labels("api") },
      spec: { selector: labels("api"), ports: [{ name: "http", port: 80, targetPort: "http" }] },
    },
    {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name, labels: labels("api") },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
        minReplicas: K8S.api.minReplicas,
        maxReplicas: K8S.api.maxReplicas,
        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: K8S.api.cpuUtilization } } }],
      },
    },
  ];
}

function sqsAuth(): Manifest {
  // KEDA's SQS client signs its requests: the same key pair the pods use (ElasticMQ accepts any).
  // On EKS, replace with `podIdentity: {provider: aws}` and drop the keys.
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "TriggerAuthentication",
    metadata: { name: "ragline-sqs", labels: labels("autoscaling") },
    spec: {
      secretTargetRef: [
        { parameter: "awsAccessKeyID", name: K8S.secret, key: "RAGLINE_AWS_ACCESS_KEY_ID" },
        { parameter: "awsSecretAccessKey", name: K8S.secret, key: "RAGLINE_AWS_SECRET_ACCESS_KEY" },
      ],
    },
  };
}

function queueWorker(fn: string, def: FunctionDef & { trigger: QueueTrigger }): Manifest[] {
  const name = `ragline-${fn}`;
  const c = {
    ...container(["serve", "--role", "workers", "--functions", fn], [def]),
    ports: [{ name: "http", containerPort: K8S.port }],
    livenessProbe: { tcpSocket: { port: "http" }, periodSeconds: 20, initialDelaySeconds: 20 },
  };
  const metadata: Record<string, string> = {
    queueURL: `${K8S.sqsQueueUrlBase}${SETTINGS.RAGLINE_SQS_QUEUE_PREFIX ?? ""}${def.trigger.queue}`,
    // Target messages per pod: what one pod works on at once (pollers × batch).
    queueLength: String(def.concurrency * def.trigger.batchSize),
    awsRegion: SETTINGS.RAGLINE_AWS_REGION ?? "us-east-1",
    // Messages being worked on count too, so a busy pod is not scaled away mid-batch.
    scaleOnInFlight: "true",
  };
  if (K8S.kedaAwsEndpoint) metadata.awsEndpoint = K8S.kedaAwsEndpoint;
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, labels: labels(fn) },
      spec: {
        selector: { matchLabels: labels(fn) },
        template: {
          metadata: { labels: labels(fn) },
          // On scale-down the host stops polling and finishes its invocations: give it the function's timeout.
          spec: { terminationGracePeriodSeconds: def.timeoutSeconds + pollWait + 10, containers: [c] },
        },
      },
    },
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { name, labels: labels(fn) },
      spec: {
        scaleTargetRef: { name },
        minReplicaCount: K8S.minReplicasByFunction[fn] ?? 0,
        maxReplicaCount: K8S.maxReplicasByFunction[fn] ?? K8S.maxReplicas,
        pollingInterval: 15,
        cooldownPeriod: 300,
        triggers: [{ type: "aws-sqs-queue", authenticationRef: { name: "ragline-sqs" }, metadata }],
      },
    },
  ];
}

function cronJob(fn: string, def: FunctionDef & { trigger: { kind: "schedule"; expression: string } }): Manifest {
  const retries = 2; // as Lambda retries an asynchronous (scheduled) invocation
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: `ragline-${fn}`, labels: labels(fn) },
    spec: {
      schedule: rateToCron(def.trigger.expression),
      timeZone: "Etc/UTC",
      // A run still going when the next is due: the next is skipped, never run beside it.
      concurrencyPolicy: "Forbid",
      // A start missed by more than half a period (controller down) is skipped, not run late.
      startingDeadlineSeconds: Math.min(300, rateMs(def.trigger.expression) / 2000),
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: retries,
          // The function's own timeout ends a run; this is the backstop for the whole job, retries included.
          activeDeadlineSeconds: (def.timeoutSeconds + 60) * (retries + 1),
          template: {
            metadata: { labels: labels(fn) },
            spec: { restartPolicy: "Never", containers: [container(["run", fn], [def])] },
          },
        },
      },
    },
  };
}

/** Every manifest, by file, in a stable order. */
export function k8sManifests(topology: Topology): ManifestFile[] {
  const files: ManifestFile[] = [
    { file: "settings.yaml", docs: [settingsMap()] },
    { file: "api.yaml", docs: api(topology) },
    { file: "keda-auth.yaml", docs: [sqsAuth()] },
  ];
  for (const [fn, def] of Object.entries(topology.functions)) {
    const t = def.trigger;
    if (t.kind === "queue") files.push({ file: `queue-${fn}.yaml`, docs: queueWorker(fn, { ...def, trigger: t }) });
    if (t.kind === "schedule") files.push({ file: `schedule-${fn}.yaml`, docs: [cronJob(fn, { ...def, trigger: t })] });
  }
  return files;
}

const HEADER = "# Generated by `npm run k8s:generate` from shared/topology.ts and deploy/k8s/settings.ts: do not edit.\n";

/** File name → YAML text, plus a kustomization.yaml listing them (`kubectl apply -k`; set the image there). */
export function renderManifests(topology: Topology): Map<string, string> {
  const out = new Map<string, string>();
  const files = k8sManifests(topology);
  for (const f of files) out.set(f.file, HEADER + f.docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n"));
  out.set(
    "kustomization.yaml",
    HEADER +
      stringify(
        {
          apiVersion: "kustomize.config.k8s.io/v1beta1",
          kind: "Kustomization",
          resources: files.map((f) => f.file),
          images: [{ name: K8S.image.split(":")[0], newTag: K8S.image.split(":")[1] ?? "latest" }],
        },
        { lineWidth: 0 },
      ),
  );
  return out;
}
