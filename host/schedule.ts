// Schedules in AWS `rate(...)` form, run by the host on timers.

const UNIT_MS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

export function rateMs(expression: string): number {
  const m = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (!m) throw new Error(`unsupported schedule expression "${expression}" (the host runs rate(N unit))`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

export function scheduledEvent(name: string) {
  return {
    version: "0", id: crypto.randomUUID(), "detail-type": "Scheduled Event", source: "aws.events", account: "local",
    time: new Date().toISOString(), region: "local", resources: [`arn:ragline:events:local:rule/${name}`], detail: {},
  };
}
