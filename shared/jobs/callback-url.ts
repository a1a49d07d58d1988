import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { RaglineError, ValidationError } from "../domain/errors";
import { logger } from "../observability/logger";
import type { WebhookSettings } from "../runtime/settings";

// Where a completion webhook may go. A callbackUrl is the caller's choice of a URL the server will POST
// to, so without this it reaches whatever the server can: loopback services, the cloud metadata endpoint,
// the private network (SSRF). Checked at submit and again at delivery, on the addresses the name resolves
// to then; delivery connects to the address that was checked (see webhook.ts), so a name that resolves
// elsewhere a second time (DNS rebinding) cannot redirect it.

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
/** Name resolution: the system resolver by default; tests inject one that changes its answer. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

const RESOLVE_TIMEOUT_MS = 5000;

export const systemResolve: Resolve = async (hostname) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`DNS lookup of ${hostname} timed out`), { code: "ETIMEOUT" })), RESOLVE_TIMEOUT_MS);
  });
  try {
    const answers = await Promise.race([dnsLookup(hostname, { all: true, verbatim: true }), timeout]);
    return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  } finally {
    clearTimeout(timer);
  }
};

/** Ranges no callback may reach unless allowlisted, by what they are (the label is the refusal's reason). */
const BLOCKED: [label: string, family: "ipv4" | "ipv6", network: string, prefix: number][] = [
  ["unspecified", "ipv4", "0.0.0.0", 8],
  ["private", "ipv4", "10.0.0.0", 8],
  ["shared address space (carrier-grade NAT)", "ipv4", "100.64.0.0", 10],
  ["loopback", "ipv4", "127.0.0.0", 8],
  ["link-local (cloud metadata)", "ipv4", "169.254.0.0", 16],
  ["private", "ipv4", "172.16.0.0", 12],
  ["reserved", "ipv4", "192.0.0.0", 24],
  ["private", "ipv4", "192.168.0.0", 16],
  ["reserved", "ipv4", "198.18.0.0", 15],
  ["multicast", "ipv4", "224.0.0.0", 4],
  ["reserved", "ipv4", "240.0.0.0", 4],
  ["unspecified", "ipv6", "::", 128],
  ["loopback", "ipv6", "::1", 128],
  ["tunnel (embeds an IPv4 address)", "ipv6", "2001::", 32], // Teredo
  ["tunnel (embeds an IPv4 address)", "ipv6", "2002::", 16], // 6to4
  ["private", "ipv6", "fc00::", 7], // unique local, incl. fd00:ec2::254 (EC2 metadata over IPv6)
  ["link-local (cloud metadata)", "ipv6", "fe80::", 10],
  ["private", "ipv6", "fec0::", 10], // site-local (deprecated)
  ["multicast", "ipv6", "ff00::", 8],
  ["reserved", "ipv6", "::", 96], // IPv4-compatible ::a.b.c.d (judged as IPv4 above when it holds one)
];

const blockedBy = new Map<string, BlockList>();
for (const [label, family, network, prefix] of BLOCKED) {
  if (!blockedBy.has(label)) blockedBy.set(label, new BlockList());
  blockedBy.get(label)!.addSubnet(network, prefix, family);
}

/** What kind of non-public address this is, or undefined for a public one. IPv4 inside IPv6 (mapped, compatible, NAT64) is judged as the IPv4 address. */
export function blockedRange(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return "not an IP address";
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) {
      const inner = blockedRange(v4);
      return inner && `${inner}, IPv4 ${v4} inside IPv6`;
    }
  }
  for (const [label, list] of blockedBy) if (list.check(address, family === 6 ? "ipv6" : "ipv4")) return label;
  return undefined;
}

/** The IPv4 address in ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible) or 64:ff9b::a.b.c.d (NAT64). */
function embeddedIpv4(address: string): string | undefined {
  const h = ipv6Hextets(address);
  const prefix = h
    .slice(0, 6)
    .map((x) => x.toString(16))
    .join(":");
  const embeds = prefix === "0:0:0:0:0:ffff" || prefix === "64:ff9b:0:0:0:0" || (prefix === "0:0:0:0:0:0" && h[6] !== 0);
  return embeds ? [h[6] >> 8, h[6] & 255, h[7] >> 8, h[7] & 255].join(".") : undefined;
}

function ipv6Hextets(address: string): number[] {
  let text = address.toLowerCase().split("%")[0];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text); // a trailing dotted quad is two hextets
  if (dotted) {
    const [a, b, c, d] = dotted[1].split(".").map(Number);
    text = text.slice(0, -dotted[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const parse = (s: string | undefined) => (s ? s.split(":").map((x) => parseInt(x, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return tail === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
}

export interface CallbackPolicy {
  allowHttp: boolean;
  allowedHosts: Set<string>;
  allowedAddresses: BlockList;
}

/** The allowlist ("hooks.internal, 10.1.0.0/16, 127.0.0.1", RAGLINE_WEBHOOK_ALLOWLIST) and plain-http switch; a bad CIDR throws. */
export function callbackPolicy(webhooks: Pick<WebhookSettings, "allowHttp" | "allowlist">): CallbackPolicy {
  const allowedHosts = new Set<string>();
  const allowedAddresses = new BlockList();
  for (const entry of webhooks.allowlist
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean)) {
    const [network, prefix] = entry.replace(/^\[|\]$/g, "").split("/");
    const family = isIP(network);
    if (family === 0 && prefix === undefined) {
      allowedHosts.add(entry.replace(/\.$/, ""));
      continue;
    }
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32))
      throw new Error(`RAGLINE_WEBHOOK_ALLOWLIST: "${entry}" is neither a host name, an IP address nor a CIDR`);
    allowedAddresses.addSubnet(network, bits, family === 6 ? "ipv6" : "ipv4");
  }
  return { allowHttp: webhooks.allowHttp, allowedHosts, allowedAddresses };
}

/** Why a callback may not be sent; `transient` when only name resolution failed (delivery retries that). */
export class CallbackRefused extends Error {
  constructor(
    readonly reason: string,
    readonly transient = false,
  ) {
    super(reason);
    this.name = "CallbackRefused";
  }
}

export interface CheckedCallback {
  url: URL;
  hostname: string;
  address: string;
  family: 4 | 6;
}

/** Parses, checks the scheme, resolves and checks every address; the address to connect to, or CallbackRefused. */
export async function checkCallbackUrl(raw: string, policy: CallbackPolicy, resolve: Resolve = systemResolve): Promise<CheckedCallback> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CallbackRefused("not a URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && policy.allowHttp)) {
    throw new CallbackRefused(
      url.protocol === "http:" ? "must be https (plain http needs RAGLINE_WEBHOOK_ALLOW_HTTP=true)" : `scheme ${url.protocol} is not https`,
    );
  }
  // The URL parser has already normalised IPv4 written as one number, octal or hex (2130706433 → 127.0.0.1).
  const hostname = url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  let addresses: ResolvedAddress[];
  if (isIP(hostname)) addresses = [{ address: hostname, family: isIP(hostname) as 4 | 6 }];
  else {
    try {
      addresses = await resolve(hostname);
    } catch (err) {
      throw new CallbackRefused(`host ${hostname} does not resolve (${(err as NodeJS.ErrnoException).code ?? String(err)})`, true);
    }
    if (!addresses.length) throw new CallbackRefused(`host ${hostname} does not resolve`, true);
  }
  if (!policy.allowedHosts.has(hostname)) {
    for (const { address, family } of addresses) {
      const range = blockedRange(address);
      if (range && !policy.allowedAddresses.check(address, family === 6 ? "ipv6" : "ipv4")) {
        throw new CallbackRefused(
          `${hostname === address ? address : `${hostname} resolves to ${address}`}, which is ${range} (allow it with RAGLINE_WEBHOOK_ALLOWLIST)`,
        );
      }
    }
  }
  return { url, hostname, ...addresses[0] };
}

/** No secret, no webhooks: an unsigned (or publicly-keyed) callback would let anyone forge outcomes. */
export class WebhooksDisabledError extends RaglineError {
  constructor() {
    super(
      "webhooks_disabled",
      "completion webhooks are disabled on this deployment: RAGLINE_WEBHOOK_SECRET is not set (submit without callbackUrl, or ask the operator to set it)",
      {
        status: 400,
        details: [{ field: "body.callbackUrl", message: "webhooks are disabled (no RAGLINE_WEBHOOK_SECRET)" }],
      },
    );
  }
}

/** The submit-time check: a 400 naming body.callbackUrl, or webhooks_disabled. */
export async function assertCallbackAllowed(webhooks: WebhookSettings, callbackUrl: string | undefined, resolve: Resolve = systemResolve): Promise<void> {
  if (callbackUrl === undefined) return;
  if (!webhooks.secret) throw new WebhooksDisabledError();
  try {
    await checkCallbackUrl(callbackUrl, callbackPolicy(webhooks), resolve);
  } catch (err) {
    if (!(err instanceof CallbackRefused)) throw err;
    throw new ValidationError(`invalid body.callbackUrl: ${err.reason}`, [{ field: "body.callbackUrl", message: err.reason }]);
  }
}

/** At start-up: the allowlist parses, and a deployment without a webhook secret says that callbacks are refused. */
export function checkWebhookSettings(webhooks: WebhookSettings): void {
  callbackPolicy(webhooks);
  if (!webhooks.secret) {
    logger.warn(
      "RAGLINE_WEBHOOK_SECRET is not set: query jobs with a callbackUrl are refused (400 webhooks_disabled); set a secret of 16+ characters to enable completion webhooks",
    );
  }
}
