import { describe, expect, it } from "vitest";
import { compileRoute, matchRoute } from "../../../host/routes";
import { rateMs } from "../../../host/schedule";
import { reciprocalRankFusion } from "../../../shared/text/fusion";
import { topology } from "../../../shared/topology";

describe("reciprocal rank fusion", () => {
  it("adds weight/(k+rank) over the lists (hand-computed)", () => {
    const fused = reciprocalRankFusion(
      [
        { items: ["a", "b", "c"], weight: 1 },
        { items: ["c", "a"], weight: 2 },
      ],
      (x) => x,
      60,
    );
    const score = Object.fromEntries(fused.map((f) => [f.item, f.score]));
    expect(score.a).toBeCloseTo(1 / 61 + 2 / 62, 10);
    expect(score.b).toBeCloseTo(1 / 62, 10);
    expect(score.c).toBeCloseTo(1 / 63 + 2 / 61, 10);
    expect(fused.map((f) => f.item)).toEqual(["c", "a", "b"]);
    expect(fused.find((f) => f.item === "b")!.ranks).toEqual([2, 0]);
  });
});

describe("host routes (API Gateway route keys)", () => {
  const routes = Object.entries(topology.functions).flatMap(([name, f]) =>
    f.trigger.kind === "http" ? f.trigger.routes.map((r) => compileRoute(r, name)) : [],
  );

  it("matches greedy keys with slashes and prefers exact segments", () => {
    expect(matchRoute(routes, "GET", "/documents/a/b/c.pdf")).toMatchObject({
      route: { routeKey: "GET /documents/{key+}" },
      pathParameters: { key: "a/b/c.pdf" },
    });
    expect(matchRoute(routes, "GET", "/documents")?.route.routeKey).toBe("GET /documents");
    expect(matchRoute(routes, "GET", "/queries/123/events")).toMatchObject({ route: { routeKey: "GET /queries/{id}/events" }, pathParameters: { id: "123" } });
    expect(matchRoute(routes, "GET", "/queries/123")?.route.routeKey).toBe("GET /queries/{id}");
  });

  it("does not match a wrong method or an unknown path", () => {
    expect(matchRoute(routes, "PATCH", "/documents/x")).toBeUndefined();
    expect(matchRoute(routes, "GET", "/nothing")).toBeUndefined();
  });
});

describe("topology", () => {
  it("gives every queue trigger a visibility timeout longer than its function's timeout", () => {
    for (const [name, f] of Object.entries(topology.functions)) {
      if (f.trigger.kind !== "queue") continue;
      expect(f.trigger.visibilityTimeoutSeconds, name).toBeGreaterThan(f.timeoutSeconds);
      expect(topology.queues, name).toContain(f.trigger.queue);
      expect(f.trigger.maxReceives, name).toBeGreaterThan(1);
    }
  });

  it("parses rate() schedules and refuses what the host cannot run", () => {
    expect(rateMs("rate(1 day)")).toBe(86_400_000);
    expect(rateMs("rate(30 minutes)")).toBe(1_800_000);
    expect(() => rateMs("cron(0 3 * * ? *)")).toThrow(/unsupported/);
  });
});
