import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startHost, type Host } from "../../../host";
import { TransientError } from "../../../shared/domain/errors";
import { assertCallbackAllowed, type Resolve } from "../../../shared/jobs/callback-url";
import { deliverWebhook, verifyWebhook, type DeliveryAttempt } from "../../../shared/jobs/webhook";
import { loadConfig } from "../../../shared/runtime/config";
import { createEmbeddedContext, setContext } from "../../../shared/runtime/context";
import { api, startHostProcess } from "../../helpers/host-process";
import { tempDir } from "../../helpers/tmp";

// callbackUrl is a URL of the caller's choosing that the server POSTs to: it must not reach loopback,
// link-local (cloud metadata), private or multicast addresses, nor plain http, unless configured to.
// Checked at submit (through a real host) and again at delivery (on the job store and a real receiver).

const SECRET = "a-webhook-secret-of-some-length";
const PUBLIC_IP = "93.184.215.14"; // a public address: allowed (nothing is delivered to it here)

/** Refused targets, as [what, URL (PORT is the receiver's), reason the refusal must name]. */
const REFUSED: [string, string, RegExp][] = [
  ["loopback", "https://127.0.0.1:PORT/hook", /loopback/],
  ["loopback elsewhere in 127/8", "https://127.8.9.10:PORT/hook", /loopback/],
  ["IPv6 loopback", "https://[::1]:PORT/hook", /loopback/],
  ["IPv4-mapped loopback", "https://[::ffff:127.0.0.1]:PORT/hook", /loopback, IPv4 127\.0\.0\.1 inside IPv6/],
  ["IPv4-mapped metadata", "https://[::ffff:169.254.169.254]/latest/meta-data/", /link-local/],
  ["decimal IPv4 loopback", "https://2130706433:PORT/hook", /loopback/],
  ["octal IPv4 loopback", "https://0177.0.0.1:PORT/hook", /loopback/],
  ["unspecified", "https://0.0.0.0:PORT/hook", /unspecified/],
  ["cloud metadata (link-local)", "https://169.254.169.254/latest/meta-data/iam/security-credentials/", /link-local/],
  ["IPv6 link-local", "https://[fe80::1]/hook", /link-local/],
  ["EC2 metadata over IPv6 (unique local)", "https://[fd00:ec2::254]/latest/meta-data/", /private/],
  ["private 10/8", "https://10.0.0.5/hook", /private/],
  ["private 172.16/12", "https://172.31.255.1/hook", /private/],
  ["private 192.168/16", "https://192.168.1.1/hook", /private/],
  ["carrier-grade NAT 100.64/10", "https://100.64.0.1/hook", /carrier-grade NAT/],
  ["multicast", "https://224.0.0.1/hook", /multicast/],
  ["a name that resolves to loopback", "https://localhost:PORT/hook", /localhost resolves to (127\.0\.0\.1|::1), which is loopback/],
  ["plain http when https is required", `http://${PUBLIC_IP}/hook`, /must be https/],
];

/** A local receiver that records what reaches it. */
async function receiver(answer: (req: IncomingMessage) => [number, Record<string, string>?] = () => [204]) {
  const received: { url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ url: req.url ?? "", headers: req.headers, body });
      const [status, headers] = answer(req);
      res.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "::", r)); // dual stack: reachable on 127.0.0.1 and ::1
  return {
    received,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe("callbackUrl at submit (in-process host, secret set, https only, no allowlist)", () => {
  const t = tempDir();
  let host: Host;
  beforeAll(async () => {
    host = await startHost({ ctx: createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_WEBHOOK_SECRET: SECRET })), port: 0 });
  });
  afterAll(async () => {
    await host?.close();
    t.cleanup();
  });

  it.each(REFUSED)("refuses %s with a 400 naming body.callbackUrl", async (_what, url, reason) => {
    const res = await api(host.url, "POST", "/queries", { question: "What is the refund policy?", callbackUrl: url.replace("PORT", "8443") });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: "body.callbackUrl", message: expect.stringMatching(reason) }]);
    expect(res.body.error.message).toMatch(/body\.callbackUrl/);
  });

  it("accepts a public https address (the control: not everything is refused)", async () => {
    const res = await api(host.url, "POST", "/queries", { question: "What is the refund policy?", callbackUrl: `https://${PUBLIC_IP}/hook` });
    expect(res.status).toBe(202);
  });
});

describe("callbackUrl on a deployment without RAGLINE_WEBHOOK_SECRET (child-process host)", () => {
  it("start-up warns that webhooks are off, and a callbackUrl is refused with webhooks_disabled; without one the query is accepted", async () => {
    const t = tempDir();
    const host = await startHostProcess(t.dir, { LOG_LEVEL: "WARN", RAGLINE_WEBHOOK_SECRET: "" }); // empty = unset
    try {
      expect(host.output()).toMatch(/RAGLINE_WEBHOOK_SECRET is not set/);
      const refused = await api(host.url, "POST", "/queries", { question: "What is the refund policy?", callbackUrl: `https://${PUBLIC_IP}/hook` });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe("webhooks_disabled");
      expect((await api(host.url, "POST", "/queries", { question: "What is the refund policy?" })).status).toBe(202);
    } finally {
      await host.stop();
      t.cleanup();
    }
  });
});

describe("callbackUrl at delivery (real SQLite job store, a real receiver on this machine)", () => {
  let t: ReturnType<typeof tempDir>;
  let ctx: ReturnType<typeof createEmbeddedContext>;
  let hook: Awaited<ReturnType<typeof receiver>>;
  const useConfig = (env: Record<string, string>) => {
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_WEBHOOK_SECRET: SECRET, ...env }));
    setContext(ctx);
  };
  /** A finished job as the store holds it: accepted at submit (under other settings, or when its name resolved elsewhere). */
  const finishedJob = async (callbackUrl: string) => {
    const job = await ctx.jobs.create(randomUUID(), { question: "What is the refund policy?", callbackUrl });
    await ctx.jobs.transition(job.id, ["pending"], "completed");
    return job.id;
  };
  const webhookState = async (id: string) =>
    (await ctx.jobs.get(id))?.checkpoints.webhook as { attempts: DeliveryAttempt[]; delivered: boolean; refused?: boolean };

  beforeEach(async () => {
    t = tempDir();
    hook = await receiver();
  });
  afterEach(async () => {
    await hook.close();
    setContext(undefined);
    await ctx?.close();
    t.cleanup();
  });

  it.each(REFUSED.filter(([, url]) => url.includes("PORT")))(
    "does not POST to %s (the receiver listens there) and records the refusal",
    async (_what, url, reason) => {
      useConfig({ RAGLINE_WEBHOOK_ALLOW_HTTP: "true" });
      const id = await finishedJob(url.replace("https:", "http:").replace("PORT", String(hook.port)));
      expect(await deliverWebhook(ctx, id, { timeoutMs: 2000 })).toBe("refused");
      expect(hook.received).toEqual([]);
      const state = await webhookState(id);
      expect(state.delivered).toBe(false);
      expect(state.refused).toBe(true);
      expect(state.attempts[0].error).toMatch(reason);
    },
  );

  it("a name allowed at submit that resolves to loopback at delivery is refused then (rebindingResolve: a fake DNS that changes its answer)", async () => {
    useConfig({ RAGLINE_WEBHOOK_ALLOW_HTTP: "true" });
    let answers = 0;
    const rebindingResolve: Resolve = async () => (answers++ === 0 ? [{ address: PUBLIC_IP, family: 4 }] : [{ address: "127.0.0.1", family: 4 }]);
    const url = `http://hooks.example.test:${hook.port}/hook`;
    await expect(assertCallbackAllowed(ctx.settings.webhooks, url, rebindingResolve)).resolves.toBeUndefined(); // submit: public
    const id = await finishedJob(url);
    expect(await deliverWebhook(ctx, id, { resolve: rebindingResolve, timeoutMs: 2000 })).toBe("refused");
    expect(hook.received).toEqual([]);
    expect((await webhookState(id)).attempts[0].error).toMatch(/hooks\.example\.test resolves to 127\.0\.0\.1, which is loopback/);
  });

  it("connects to the address that was checked, not to a second resolution of the name (pinnedResolve: a fake DNS for a name the system cannot resolve)", async () => {
    useConfig({ RAGLINE_WEBHOOK_ALLOW_HTTP: "true", RAGLINE_WEBHOOK_ALLOWLIST: "hooks.example.test" });
    let lookups = 0;
    const pinnedResolve: Resolve = async (name) => {
      lookups++;
      expect(name).toBe("hooks.example.test");
      return [{ address: "127.0.0.1", family: 4 }];
    };
    const id = await finishedJob(`http://hooks.example.test:${hook.port}/hook?job=1`);
    expect(await deliverWebhook(ctx, id, { resolve: pinnedResolve, timeoutMs: 5000 })).toBe("delivered");
    expect(lookups).toBe(1); // .test never resolves on the system: delivery used the checked 127.0.0.1
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0].url).toBe("/hook?job=1");
    expect(hook.received[0].headers.host).toBe(`hooks.example.test:${hook.port}`);
    expect(verifyWebhook(SECRET, hook.received[0].headers as Record<string, string>, hook.received[0].body)).toBe(true);
  });

  it("an allowlisted CIDR admits its addresses; http stays refused unless allowed", async () => {
    useConfig({ RAGLINE_WEBHOOK_ALLOWLIST: "127.0.0.0/8" });
    const id = await finishedJob(`http://127.0.0.1:${hook.port}/hook`);
    expect(await deliverWebhook(ctx, id)).toBe("refused");
    expect((await webhookState(id)).attempts[0].error).toMatch(/must be https/);
    await ctx.close();
    useConfig({ RAGLINE_WEBHOOK_ALLOWLIST: "127.0.0.0/8", RAGLINE_WEBHOOK_ALLOW_HTTP: "true" });
    expect(await deliverWebhook(ctx, await finishedJob(`http://127.0.0.1:${hook.port}/hook`))).toBe("delivered");
    expect(hook.received).toHaveLength(1);
  });

  it("does not follow a redirect (to a loopback service it would otherwise reach)", async () => {
    const target = await receiver();
    await hook.close();
    hook = await receiver(() => [302, { location: `http://127.0.0.1:${target.port}/internal` }]);
    try {
      useConfig({ RAGLINE_WEBHOOK_ALLOW_HTTP: "true", RAGLINE_WEBHOOK_ALLOWLIST: "127.0.0.1" });
      const id = await finishedJob(`http://127.0.0.1:${hook.port}/hook`);
      await expect(deliverWebhook(ctx, id)).rejects.toThrow(TransientError);
      expect(hook.received).toHaveLength(1);
      expect(target.received).toEqual([]);
      expect((await webhookState(id)).attempts[0]).toMatchObject({ status: 302, error: "redirects are not followed" });
    } finally {
      await target.close();
    }
  });

  it("a name that does not resolve at delivery is retried, not refused (failingResolve: a fake DNS that times out)", async () => {
    useConfig({ RAGLINE_WEBHOOK_ALLOW_HTTP: "true" });
    const failingResolve: Resolve = async () => {
      throw Object.assign(new Error("timed out"), { code: "ETIMEOUT" });
    };
    const id = await finishedJob(`http://hooks.example.test:${hook.port}/hook`);
    await expect(deliverWebhook(ctx, id, { resolve: failingResolve })).rejects.toThrow(TransientError);
    const state = await webhookState(id);
    expect(state.refused).toBeUndefined();
    expect(state.attempts[0].error).toMatch(/does not resolve \(ETIMEOUT\)/);
  });

  it("with no secret configured, delivery is refused (a job accepted before the secret was removed)", async () => {
    ctx = createEmbeddedContext(loadConfig({ RAGLINE_DATA_DIR: t.dir, RAGLINE_WEBHOOK_ALLOW_HTTP: "true", RAGLINE_WEBHOOK_ALLOWLIST: "127.0.0.1" }));
    setContext(ctx);
    const id = await finishedJob(`http://127.0.0.1:${hook.port}/hook`);
    expect(await deliverWebhook(ctx, id)).toBe("refused");
    expect(hook.received).toEqual([]);
    expect((await webhookState(id)).attempts[0].error).toMatch(/webhooks_disabled/);
  });
});
