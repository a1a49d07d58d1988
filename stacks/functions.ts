import { LINKS } from "../shared/adapters/aws/sst-links";
import type { FunctionDef, Topology } from "../shared/topology";
import { linksFor, portsSetting, type Linkables } from "./links";
import type { FunctionArgs, FunctionLike, Input, SstApi } from "./sst-api";

// One Lambda function per topology function, on nodejs22.x, with the topology's timeout, memory and
// concurrency, linked only to what it uses (stacks/links.ts) and building only those ports
// (RAGLINE_PORTS). Triggers are wired by ARN (queues.ts, api.ts, schedules.ts), so a function with
// several routes is still one function, as in the host.

export interface FunctionEnv {
  link: unknown[];
  environment: Record<string, Input<string>>;
}

export function functionArgs(def: FunctionDef, env: FunctionEnv): FunctionArgs {
  return {
    handler: `functions/${def.handler}.handler`,
    description: def.description,
    runtime: "nodejs22.x",
    timeout: `${def.timeoutSeconds} seconds`,
    memory: `${def.memoryMB ?? 1024} MB`,
    link: env.link,
    environment: { RAGLINE_BACKEND: "aws", RAGLINE_DATA_DIR: "/tmp/ragline", ...env.environment },
    // Queue functions are capped by the event source mapping instead (reserved concurrency on an
    // SQS consumer throttles and burns receives, which dead-letters good messages).
    ...(def.trigger.kind === "queue" ? {} : { concurrency: { reserved: def.concurrency } }),
    // The embedded SQLite adapters are imported (never used) on Lambda: ship the native module built for it.
    nodejs: { install: ["better-sqlite3"] },
  };
}

export function functions(sst: SstApi, topology: Topology, resources: Linkables, environment: Record<string, Input<string>>): Record<string, FunctionLike> {
  return Object.fromEntries(
    Object.entries(topology.functions).map(([name, def]) => {
      const uses = def.uses ?? [];
      const env = { link: linksFor(uses, resources), environment: { ...environment, RAGLINE_PORTS: portsSetting(uses) } };
      return [name, new sst.aws.Function(LINKS.fn(name), functionArgs(def, env))];
    }),
  );
}
