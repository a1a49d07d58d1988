import { LINKS } from "../shared/adapters/aws/sst-links";
import type { Topology } from "../shared/topology";
import type { FunctionLike, SstApi } from "./sst-api";

// EventBridge schedules for the topology's scheduled functions (same rate expressions as the host).

export function schedules(sst: SstApi, topology: Topology, fns: Record<string, FunctionLike>) {
  return Object.entries(topology.functions).flatMap(([name, def]) =>
    def.trigger.kind === "schedule"
      ? [new sst.aws.Cron(LINKS.cron(name), { schedule: def.trigger.expression as `rate(${string})`, function: fns[name].arn })]
      : [],
  );
}
